// The console works without JavaScript; this only adds conveniences:
// select all rows, auto-submit a filter, and pages that follow a record or a bulk job.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const box of document.querySelectorAll("[data-select-all]")) {
    box.addEventListener("change", () => {
      for (const row of document.querySelectorAll('input[name="ids"]')) row.checked = box.checked;
    });
  }

  for (const select of document.querySelectorAll("[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }

  // A record that moves on by itself: reload its page when its status changes.
  const live = document.querySelector("[data-poll]");
  if (live) {
    const check = async () => {
      try {
        const reply = await fetch(live.dataset.poll, { headers: { Accept: "application/json" } });
        if (reply.ok && (await reply.json()).status !== live.dataset.status) {
          window.location.reload();
          return;
        }
      } catch (error) {
        // The server is restarting or the network hiccuped: try again later.
      }
      setTimeout(check, 1500);
    };
    setTimeout(check, 1500);
  }

  // Progress bars take their width from data-percent (no inline styles: the CSP forbids them).
  for (const bar of document.querySelectorAll(".progress-bar[data-percent]")) {
    bar.style.width = `${bar.dataset.percent}%`;
  }

  // A record's timeline on a phone: the older calls on demand.
  for (const button of document.querySelectorAll("[data-show-older]")) {
    button.addEventListener("click", () => {
      document.getElementById(button.getAttribute("aria-controls")).classList.add("is-expanded");
      button.setAttribute("aria-expanded", "true");
      button.hidden = true;
    });
  }

  // A bulk job: follow its progress until it is done.
  const job = document.querySelector("[data-job-progress]");
  if (job) {
    const update = async () => {
      try {
        const reply = await fetch(job.dataset.jobProgress, { headers: { Accept: "application/json" } });
        if (reply.ok) {
          const progress = await reply.json();
          for (const field of job.querySelectorAll("[data-field]")) {
            const value = progress[field.dataset.field];
            field.textContent = value === null ? "…" : value.toLocaleString();
          }
          job.querySelector(".progress-bar").style.width = `${progress.percent}%`;
          job.querySelector(".progress").setAttribute("aria-valuenow", progress.percent);
          if (progress.finished) {
            window.location.reload();
            return;
          }
        }
      } catch (error) {
        // Try again later.
      }
      setTimeout(update, 1000);
    };
    setTimeout(update, 1000);
  }
});
