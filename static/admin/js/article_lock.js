// The article edit lock (articles/admin.py): while this form is open the
// lock is renewed every 20 s; if someone else holds it (or takes it over)
// the notice says who and since when; leaving the page releases it.
(() => {
  const box = document.getElementById("edit-lock");
  if (!box) return;
  const form = document.getElementById("article_form");
  const token = () => form && form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const notice = box.querySelector(".edit-lock-notice");
  const show = (state) => {
    box.dataset.held = state.held ? "yes" : "no";
    if (state.held) { notice.hidden = true; return; }
    box.querySelector(".edit-lock-who").textContent = state.by;
    box.querySelector(".edit-lock-since").textContent = state.since.slice(11, 16);
    notice.hidden = false;
  };
  const beat = () => {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", token());
    fetch(box.dataset.lockUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then((r) => (r.ok ? r.json() : null)).then((state) => state && show(state))
      .catch(() => {});
  };
  const seconds = Math.max(5, Math.min(20, Number(box.dataset.seconds) / 3));
  setInterval(beat, seconds * 1000);
  window.addEventListener("pagehide", () => {
    if (box.dataset.held !== "yes") return;
    const data = new FormData();
    data.append("csrfmiddlewaretoken", token());
    navigator.sendBeacon(box.dataset.unlockUrl, data);
  });
})();
