echo "{{ greeting }} $WHO on {{ ds }}"
