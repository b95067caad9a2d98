/* The moderation queue at keyboard speed (progressive enhancement: every
   button is a plain POST that works without this script).

   j / k     next / previous comment        a  approve
   r         reject (the row's reason)      s  spam
   b b       ban the author (press twice)   u  undo the last decision
   h, Enter  the author's history           ?  help

   A decision is sent with fetch; the row collapses and the next one takes
   the focus, without a reload. Undo works for as long as the server allows
   (COMMENTS_UNDO_SECONDS). */
(function () {
  "use strict";

  const table = document.getElementById("result_list");
  if (!table || !table.tBodies.length) return;
  const live = document.getElementById("nr-live");
  const panel = document.getElementById("nr-panel");
  const help = document.getElementById("nr-help");
  let current = null;
  let last = null; // the decision that may still be undone
  let banArmed = null;

  function csrfToken() {
    const field = document.querySelector("[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function say(text) {
    if (live) live.textContent = text;
  }

  function rows() {
    return Array.from(table.tBodies[0].rows).filter((row) => !row.hidden);
  }

  function select(row) {
    if (!row) return;
    if (current) current.classList.remove("nr-current");
    current = row;
    row.classList.add("nr-current");
    row.tabIndex = -1;
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function neighbour(row, step) {
    const list = rows();
    const index = list.indexOf(row);
    return list[index + step] || list[index - step] || null;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      body: body || new FormData(),
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    });
    if (!response.ok && response.status !== 400) {
      throw new Error("The server answered " + response.status + ".");
    }
    return response.json();
  }

  function actionsOf(row) {
    return row.querySelector(".nr-actions");
  }

  async function decide(row, button) {
    const body = new FormData();
    const reason = row.querySelector(".nr-reason");
    if (reason && reason.value) body.append("reason", reason.value);
    try {
      const answer = await post(button.getAttribute("formaction"), body);
      if (!answer.ok) {
        say(answer.message);
        return;
      }
      const next = neighbour(row, 1);
      row.hidden = true;
      last = {
        row: row,
        url: answer.undo,
        until: Date.now() + answer.undo_seconds * 1000,
      };
      say(answer.message + " Press u to undo.");
      select(next);
    } catch (error) {
      say("Not saved: " + error.message + " Try again.");
    }
  }

  async function undo() {
    if (!last || Date.now() > last.until) {
      say("Nothing to undo.");
      return;
    }
    const { row, url } = last;
    last = null;
    try {
      const answer = await post(url);
      say(answer.message);
      if (answer.ok) {
        row.hidden = false;
        select(row);
      }
    } catch (error) {
      say("Undo failed: " + error.message);
    }
  }

  async function ban(row) {
    const actions = actionsOf(row);
    if (banArmed !== row) {
      banArmed = row;
      setTimeout(() => {
        if (banArmed === row) banArmed = null;
      }, 3000);
      say("Press b again to ban this author and mark their pending comments as spam.");
      return;
    }
    banArmed = null;
    try {
      const answer = await post(actions.dataset.ban);
      say(answer.message);
      if (answer.ok) {
        const next = neighbour(row, 1);
        row.hidden = true;
        select(next);
      }
    } catch (error) {
      say("Not banned: " + error.message);
    }
  }

  async function history(row) {
    const link = row.querySelector("a.nr-history");
    if (!link || !panel) return;
    const response = await fetch(link.href + "?panel=1", {
      credentials: "same-origin",
    });
    panel.querySelector(".nr-panel-body").innerHTML = await response.text();
    panel.hidden = false;
    document.body.classList.add("nr-panel-open");
  }

  function closePanel() {
    if (!panel) return;
    panel.hidden = true;
    document.body.classList.remove("nr-panel-open");
    if (current) current.focus({ preventScroll: true });
  }

  const KEYS = { a: ".nr-approve", r: ".nr-reject", s: ".nr-spam" };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    if (help && help.open) return;
    const key = event.key;
    if (key === "Escape") return closePanel();
    if (key === "?") {
      event.preventDefault();
      if (help) help.showModal();
      return;
    }
    if (key === "u") return undo();
    if (!current) select(rows()[0]);
    if (!current) return;
    if (key === "j" || key === "k") {
      event.preventDefault();
      const list = rows();
      const index = list.indexOf(current) + (key === "j" ? 1 : -1);
      if (list[index]) select(list[index]);
      return;
    }
    if (KEYS[key]) {
      const button = current.querySelector(KEYS[key]);
      if (button) {
        event.preventDefault();
        decide(current, button);
      }
      return;
    }
    if (key === "b") return ban(current);
    if (key === "f") {
      const picker = current.querySelector(".nr-pick");
      if (picker) {
        event.preventDefault();
        pick(picker);
      }
      return;
    }
    if ((key === "h" || key === "Enter") && target === current) {
      event.preventDefault();
      history(current);
    }
  });

  // Editors' pick (f, or its button): the row stays; the button flips.
  async function pick(button) {
    const body = new FormData();
    body.append("unpick", button.value);
    try {
      const answer = await post(button.getAttribute("formaction"), body);
      say(answer.message);
      if (!answer.ok) return;
      const picked = button.value !== "1";
      button.value = picked ? "1" : "0";
      button.dataset.picked = picked ? "yes" : "no";
      button.textContent = picked ? "Unpick" : "Pick";
    } catch (error) {
      say("Not saved: " + error.message + " Try again.");
    }
  }

  table.addEventListener("click", (event) => {
    const picker = event.target.closest(".nr-actions button.nr-pick");
    if (picker) {
      event.preventDefault();
      select(picker.closest("tr"));
      pick(picker);
      return;
    }
    const button = event.target.closest(".nr-actions button[formaction]");
    const row = event.target.closest("tr");
    if (button && row) {
      event.preventDefault();
      select(row);
      decide(row, button);
      return;
    }
    const link = event.target.closest("a.nr-history");
    if (link && row) {
      event.preventDefault();
      select(row);
      history(row);
      return;
    }
    if (row && !event.target.closest("a, button, input, select, label")) select(row);
  });

  if (panel) {
    panel.querySelector(".nr-panel-close").addEventListener("click", closePanel);
  }
  select(rows()[0]);
})();
