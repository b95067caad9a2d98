// A live blog's new, edited and removed updates, in the open page without a
// reload: every second (while the page is in view) it asks the story's update
// resource, which the edge and the page cache keep and purge on each change,
// and which answers "not modified" (304) in between; readers without
// JavaScript see the updates on reload.
(() => {
  const box = document.querySelector("#live[data-live-url]");
  if (!box || !window.fetch) return;
  const entries = box.querySelector("#live-entries");
  const url = box.dataset.liveUrl;
  let etag = null;
  let timer = null;
  const schedule = () => {
    clearTimeout(timer);
    if (document.visibilityState === "visible") timer = setTimeout(poll, 1000);
  };
  const poll = async () => {
    try {
      const response = await fetch(url, { cache: "no-cache", credentials: "omit" });
      const tag = response.headers.get("ETag");
      if (response.ok && (tag === null || tag !== etag)) {
        etag = tag;
        const data = await response.json();
        if (entries.innerHTML.trim() !== data.html.trim()) entries.innerHTML = data.html;
        if (!data.on) {
          box.querySelector(".live-badge")?.remove();
          return; // coverage ended: nothing more to ask
        }
      }
    } catch (error) {
      // Offline for a moment: ask again at the next tick.
    }
    schedule();
  };
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") poll();
  });
  schedule();
})();
