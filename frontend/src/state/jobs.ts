// Long work on the server: start a job, show its progress with a cancel button, poll until done.
import { ApiError, type Api } from "../api/client";
import type { Job } from "../api/types";
import { el } from "../ui/dom";

/** Thrown by JobRunner.run when the user cancelled the job: not an error to show. */
export class JobCancelled extends Error {
  constructor(label: string) {
    super(`${label} was cancelled`);
  }
}

export interface JobRunner {
  /** Run a server job with a progress bar in the tray; resolves with the finished job. */
  run(label: string, start: () => Promise<Job>): Promise<Job>;
}

export function createJobRunner(api: Api, tray: HTMLElement): JobRunner {
  return {
    async run(label, start) {
      let job = await start();
      const bar = el("progress", { max: "1", value: "0" });
      const cancel = el("button", { class: "link", title: "Cancel this job" }, "cancel");
      const text = el("span", {}, label);
      const item = el("div", { class: "job" }, text, bar, cancel);
      cancel.onclick = () => void api.cancelJob(job.id);
      tray.append(item);
      try {
        while (job.state === "queued" || job.state === "running") {
          bar.value = job.progress;
          text.textContent = job.total ? `${label} ${job.done.toLocaleString()}/${job.total.toLocaleString()}` : label;
          await new Promise((resolve) => setTimeout(resolve, 250));
          job = await api.job(job.id);
        }
      } finally {
        item.remove();
      }
      if (job.state === "failed") throw new ApiError(job.error ?? `${label} failed`, 500);
      if (job.state === "cancelled") throw new JobCancelled(label);
      return job;
    },
  };
}
