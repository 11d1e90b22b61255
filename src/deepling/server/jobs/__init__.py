"""Jobs: long work on a bounded worker pool (``manager``), the one recipe for a cached analysis
run as a job (``cached``), the routes that poll and cancel jobs (``routes``), and the OpenAPI
links from what makes a job, a result, a tray image or an ablation set to what takes it
(``links``)."""

from deepling.server.jobs.manager import Job, JobManager, JobState, QueueFull

__all__ = ["Job", "JobManager", "JobState", "QueueFull"]
