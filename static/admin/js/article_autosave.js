// Never lose an article's text (articles/admin.py, autosave_view):
// - every few seconds the form's unsaved changes are sent to the server
//   (per user and article, never a revision) and again when the page is left;
// - leaving with unsaved changes asks first;
// - on Save, the form is also kept in this browser: if the session had
//   expired, the login page brings the editor back here and the kept copy is
//   restored (sent to the server only now, signed in), a chosen image file
//   included where the browser can keep one (IndexedDB).
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
  // A chosen image file is kept too, where the browser allows (IndexedDB
  // stores File objects), and attached again when the form is restored.
  const files = (mode, use) => new Promise((resolve) => {
    if (!window.indexedDB) { resolve(null); return; }
    const open = indexedDB.open("newsroom-unsaved", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("files");
    open.onerror = () => resolve(null);
    open.onsuccess = () => {
      const store = open.result.transaction("files", mode).objectStore("files");
      const request = use(store);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(null);
    };
  });
  const imageInput = form.querySelector("input[type=file][name=featured_image]");
  form.addEventListener("submit", (event) => {
    submitting = true;
    const button = event.submitter;
    if (button && (button.name === "discard" || button.name === "take_over")) return;
    const at = Date.now();
    try {
      localStorage.setItem(key, JSON.stringify({ at, form: serialize() }));
    } catch (e) { /* storage full or off: the server copy still stands */ }
    const file = imageInput && imageInput.files[0];
    files("readwrite", (store) => (file ? store.put({ at, file }, key) : store.delete(key)));
  });
  const reattach = () => files("readonly", (store) => store.get(key)).then((kept) => {
    if (!kept || !imageInput || !window.DataTransfer) return;
    const transfer = new DataTransfer();
    transfer.items.add(kept.file);
    imageInput.files = transfer.files;
    const note = document.createElement("p");
    note.className = "kept-image";
    note.textContent = `The image you had chosen (${kept.file.name}) is attached again.`;
    imageInput.insertAdjacentElement("afterend", note);
    files("readwrite", (store) => store.delete(key));
  });
  if (new URLSearchParams(location.search).get("restore") === "1") reattach();
  // A copy kept by a Save that never arrived (an expired session).
  let kept = null;
  try { kept = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
  const storedAt = Number(box.dataset.storedAt || 0);
  const succeeded = document.querySelector(".messagelist .success");
  if (kept && (succeeded || (storedAt && storedAt >= kept.at) || Date.now() - kept.at > 7 * 864e5)) {
    localStorage.removeItem(key);  // that save arrived (or is a week old)
    files("readwrite", (store) => store.delete(key));
    kept = null;
  }
  const offer = document.querySelector(".kept-offer");
  const restoreKept = () => send(kept.form, false).then(() => {
    localStorage.removeItem(key);
    submitting = true;
    location.search = "?restore=1";
  });
  if (kept && offer && !document.querySelector(".errornote")) {
    if (document.referrer.includes("/admin/login/")) {
      // Back from signing in after the Save met an expired session: the
      // form comes back filled, no question asked.
      restoreKept();
      return;
    }
    offer.querySelector(".kept-time").textContent = new Date(kept.at).toLocaleString();
    offer.hidden = false;
    offer.querySelector(".kept-restore").addEventListener("click", restoreKept);
    offer.querySelector(".kept-discard").addEventListener("click", () => {
      localStorage.removeItem(key);
      files("readwrite", (store) => store.delete(key));
      offer.hidden = true;
    });
  }
})();
