// Long work on the server: start a job, show its progress with a cancel button, poll until done.
import { ApiError, waitForJob, type Api } from "../api/client";
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
      const started = await start();
      const bar = el("progress", { max: "1", value: "0" });
      const cancel = el("button", { class: "link", title: "Cancel this job" }, "cancel");
      const text = el("span", {}, label);
      const item = el("div", { class: "job" }, text, bar, cancel);
      cancel.onclick = () => void api.cancelJob(started.id);
      tray.append(item);
      let job: Job;
      try {
        job = await waitForJob(started, {
          get: api.job,
          onUpdate: (update) => {
            bar.value = update.progress;
            text.textContent = update.total
              ? `${label} ${update.done.toLocaleString()}/${update.total.toLocaleString()}`
              : label;
          },
        });
      } finally {
        item.remove();
      }
      if (job.state === "failed") throw new ApiError(job.error ?? `${label} failed`, 500);
      if (job.state === "cancelled") throw new JobCancelled(label);
      return job;
    },
  };
}
