// Never lose an article's text (articles/admin.py, autosave_view):
// - every few seconds the form's unsaved changes are sent to the server
//   (per user and article, never a revision) and again when the page is left;
// - leaving with unsaved changes asks first;
// - on Save, the form is also kept in this browser: if the session had
//   expired, the login page brings the editor back here, and the kept copy
//   is offered (sent to the server only now, signed in) and restored.
(() => {
  const box = document.getElementById("autosave");
  const form = document.getElementById("article_form");
  if (!box || !form) return;
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const key = `newsroom-unsaved:${location.pathname}`;
  const status = document.getElementById("autosave-status");
  const serialize = () => {
    const out = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (value instanceof File || name === "csrfmiddlewaretoken") continue;
      if (name === "loaded_at" || name.startsWith("bylines-")) continue;
      out.append(name, value);
    }
    return out.toString();
  };
  const send = (text, beacon) => {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", token);
    body.append("article", box.dataset.article);
    body.append("form", text);
    if (beacon) return Promise.resolve(navigator.sendBeacon(box.dataset.url, body));
    return fetch(box.dataset.url, { method: "POST", body, credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)));
  };
  // The starting state: taken at once, and again once the rich-text editor
  // has settled (it rewrites the body's HTML) unless the user began typing.
  let initial = serialize();
  let last = initial;
  let touched = false;
  let submitting = false;
  for (const type of ["keydown", "input", "change", "paste", "drop"]) {
    form.addEventListener(type, () => { touched = true; }, true);
  }
  setTimeout(() => { if (!touched) initial = last = serialize(); }, 1000);
  const tick = () => {
    const now = serialize();
    if (now === last) return;
    send(now, false).then((answer) => {
      last = now;
      if (status) status.textContent = `changes kept at ${answer.saved_at.slice(11, 16)}`;
    }).catch(() => {
      if (status) status.textContent = "changes could not be kept: check your connection";
    });
  };
  setInterval(tick, Math.max(2, Number(box.dataset.seconds)) * 1000);
  window.addEventListener("beforeunload", (event) => {
    if (submitting || serialize() === initial) return;
    event.preventDefault();
    event.returnValue = "";
  });
  window.addEventListener("pagehide", () => {
    if (submitting) return;
    const now = serialize();
    if (now !== last) send(now, true);
  });
  form.addEventListener("submit", (event) => {
    submitting = true;
    const button = event.submitter;
    if (button && (button.name === "discard" || button.name === "take_over")) return;
    try {
      localStorage.setItem(key, JSON.stringify({ at: Date.now(), form: serialize() }));
    } catch (e) { /* storage full or off: the server copy still stands */ }
  });
  // A copy kept by a Save that never arrived (an expired session).
  let kept = null;
  try { kept = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
  const storedAt = Number(box.dataset.storedAt || 0);
  const succeeded = document.querySelector(".messagelist .success");
  if (kept && (succeeded || (storedAt && storedAt >= kept.at) || Date.now() - kept.at > 7 * 864e5)) {
    localStorage.removeItem(key);  // that save arrived (or is a week old)
    kept = null;
  }
  const offer = document.querySelector(".kept-offer");
  if (kept && offer && !document.querySelector(".errornote")) {
    offer.querySelector(".kept-time").textContent = new Date(kept.at).toLocaleString();
    offer.hidden = false;
    offer.querySelector(".kept-restore").addEventListener("click", () => {
      send(kept.form, false).then(() => {
        localStorage.removeItem(key);
        submitting = true;
        location.search = "?restore=1";
      });
    });
    offer.querySelector(".kept-discard").addEventListener("click", () => {
      localStorage.removeItem(key);
      offer.hidden = true;
    });
  }
})();
