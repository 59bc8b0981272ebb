"""The triggerer: runs the triggers of deferred tasks on one asyncio loop."""
