"""TaskGroup: a naming and wiring scope for tasks (Airflow 2's airflow.utils.task_group).

Tasks created inside `with TaskGroup("g"):` get ids "g.<task_id>" (unless
prefix_group_id=False) and the group's default_args. `group >> x` wires the group's
leaves (members without downstream inside the group) and `x >> group` its roots, as in
Airflow. Groups are not serialized: they only shape task ids and edges.
"""

from __future__ import annotations

from typing import Any

from crosswind.dags.dag import DagContext
from crosswind.dags.dependency import DependencyMixin
from crosswind.dags.exceptions import DuplicateTaskIdFound


class TaskGroup(DependencyMixin):
    def __init__(
        self,
        group_id: str,
        prefix_group_id: bool = True,
        parent_group: TaskGroup | None = None,
        dag: Any = None,
        default_args: dict[str, Any] | None = None,
        tooltip: str = "",
        ui_color: str = "CornflowerBlue",
        ui_fgcolor: str = "#000",
        add_suffix_on_collision: bool = False,
    ) -> None:
        self.parent_group = parent_group or DagContext.get_current_task_group()
        parent = self.parent_group
        self.group_id = parent.child_id(group_id) if parent else group_id
        self.prefix_group_id = prefix_group_id
        self.default_args = {**(parent.default_args if parent else {}), **(default_args or {})}
        self.dag = dag or DagContext.get_current_dag() or (parent.dag if parent else None)
        self.tooltip = tooltip
        self.ui_color, self.ui_fgcolor = ui_color, ui_fgcolor
        self.member_ids: list[str] = []
        if self.dag is not None:
            used = getattr(self.dag, "_task_group_ids", set())
            taken = used | set(self.dag.task_dict)
            if self.group_id in taken and add_suffix_on_collision:
                self.group_id = _next_free(self.group_id, taken)
            if self.group_id in taken:
                raise DuplicateTaskIdFound(f"group_id '{self.group_id}' has already been added")
            self.dag._task_group_ids = used | {self.group_id}

    def child_id(self, label: str) -> str:
        if self.prefix_group_id:
            return f"{self.group_id}.{label}"
        return self.parent_group.child_id(label) if self.parent_group else label

    def add(self, task: Any) -> None:
        group: TaskGroup | None = self
        while group is not None:
            group.member_ids.append(task.task_id)
            group = group.parent_group

    def _members(self) -> list[Any]:
        return [self.dag.task_dict[t] for t in self.member_ids if t in self.dag.task_dict]

    def group_roots(self) -> list[Any]:
        """Members with no upstream task inside the group."""
        inside = set(self.member_ids)
        return [t for t in self._members() if not t.upstream_task_ids & inside]

    def group_leaves(self) -> list[Any]:
        """Members with no downstream task inside the group; a teardown there stands
        aside for the work before it (setup_teardown.group_leaves)."""
        from crosswind.dags.setup_teardown import group_leaves

        return group_leaves(self._members())

    def set_upstream(self, other: Any) -> None:
        for root in self.group_roots():
            root.set_upstream(other)

    def set_downstream(self, other: Any) -> None:
        for leaf in self.group_leaves():
            leaf.set_downstream(other)

    def __enter__(self) -> TaskGroup:
        DagContext.push_task_group(self)
        return self

    def __exit__(self, *exc: object) -> None:
        DagContext.pop_task_group()

    def __repr__(self) -> str:
        return f"<TaskGroup: {self.group_id}>"


def _next_free(group_id: str, taken: set[str]) -> str:
    """Airflow's collision rule for groups: group_id__1, group_id__2, ..."""
    n = 1
    while f"{group_id}__{n}" in taken:
        n += 1
    return f"{group_id}__{n}"
