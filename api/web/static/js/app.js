// The few behaviours the pages need; every page works without them except the live progress bar.
"use strict";

document.documentElement.classList.add("js");

function isJson(response) {
  return response.ok && (response.headers.get("content-type") || "").includes("application/json");
}

// Tabs on the new-assessment page: show one way of entering the credential at a time.
function setupTabs() {
  const tabs = document.querySelectorAll(".tabs [role=tab]");
  tabs.forEach((tab) => tab.addEventListener("click", (event) => {
    event.preventDefault();
    tabs.forEach((t) => {
      const on = t === tab;
      t.classList.toggle("active", on);
      t.setAttribute("aria-selected", on ? "true" : "false");
      document.querySelector(t.getAttribute("href")).classList.toggle("active", on);
    });
  }));
}

// The purpose field: search the catalogue as the officer types, offer the courses found.
function setupCourseSearch() {
  const list = document.getElementById("course-options");
  let timer = null;
  document.querySelectorAll(".course-search").forEach((input) => input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const response = await fetch("/ui/courses?q=" + encodeURIComponent(input.value), {credentials: "same-origin"});
      if (!isJson(response)) return;  // e.g. the session ended: the next page load signs in again
      const courses = await response.json();
      list.replaceChildren(...courses.map((c) => {
        const option = document.createElement("option");
        option.value = c.id;
        option.label = `${c.id} · ${c.title} (${c.ects} ECTS)`;
        option.textContent = option.label;
        return option;
      }));
    }, 200);
  }));
}

// The batch page: poll the progress until the batch is done, then reload to show the results.
function setupProgress() {
  const card = document.getElementById("progress");
  if (!card || card.dataset.status === "done") return;
  const bar = document.getElementById("batch-progress");
  const field = (name) => card.querySelector(`[data-field=${name}]`);
  const tick = async () => {
    const response = await fetch(card.dataset.progressUrl, {credentials: "same-origin"});
    if (response.ok && !isJson(response)) { window.location.reload(); return; }  // signed out: to the sign-in page
    if (response.ok) {
      const p = await response.json();
      bar.value = p.progress;
      field("percent").textContent = Math.floor(p.progress * 100);
      field("status").textContent = p.status_label;
      field("done").textContent = p.done;
      field("error").textContent = p.error;
      field("pending").textContent = p.pending + p.running;
      if (p.status === "done") { window.location.reload(); return; }
    }
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
}

// The catalogue import page: poll the job while it is indexing, then reload to show how it ended.
function setupImportJob() {
  const job = document.getElementById("import-job");
  if (!job || job.dataset.state !== "indexing") return;
  const tick = async () => {
    const response = await fetch(job.dataset.stateUrl, {credentials: "same-origin"});
    if (response.ok && (!isJson(response) || (await response.json()).state !== "indexing")) {
      window.location.reload();
      return;
    }
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
}

function setupMisc() {
  document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
  document.querySelectorAll("select.autosubmit").forEach((s) => s.addEventListener("change", () => s.form.submit()));
}

document.addEventListener("DOMContentLoaded", () => {
  setupTabs();
  setupCourseSearch();
  setupProgress();
  setupImportJob();
  setupMisc();
});
