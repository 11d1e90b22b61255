"""Jobs: long work on a bounded worker pool (``manager``), the one recipe for a cached analysis
run as a job (``cached``), and the routes that poll and cancel jobs (``routes``)."""

from deepling.server.jobs.manager import Job, JobManager, JobState, QueueFull

__all__ = ["Job", "JobManager", "JobState", "QueueFull"]
