// Every input of the admin's forms has an accessible name (infra/admin.py,
// NamedFieldsMixin, names the plain inputs on the server). Two kinds are
// built in the browser, after this script runs, and named here:
// - the select2 boxes of autocomplete fields: the box and its search field
//   take the name of the <select> they stand for (its <label for>, or its
//   aria-label in a tabular inline); the multiple box's "clear" cross, a
//   mouse control inside the list of chosen items, is hidden from readers;
// - the body editor (ProseMirror): named by its textarea's label.
(() => {
  const nameOf = (field) => {
    if (!field) return "";
    const label = field.id && document.querySelector(`label[for="${field.id}"]`);
    return (label ? label.textContent : field.getAttribute("aria-label") || "")
      .replace(/:\s*$/, "").trim();
  };

  const nameSelect2 = (container) => {
    const select = container.previousElementSibling;
    if (!select || select.tagName !== "SELECT") return;
    const name = nameOf(select);
    if (!name) return;
    // The shown value is text inside the box, not a second field.
    container.querySelectorAll(".select2-selection__rendered[role=textbox]").forEach(
      (shown) => {
        shown.removeAttribute("role");
        shown.removeAttribute("aria-readonly");
      },
    );
    const box = container.querySelector(".select2-selection");
    if (box && !box.hasAttribute("aria-label")) {
      // Named and still showing its value: "Section, Hot News".
      const shown = box.getAttribute("aria-labelledby");
      const nameId = `${select.id}-name`;
      if (shown && !document.getElementById(nameId)) {
        const hidden = document.createElement("span");
        hidden.id = nameId;
        hidden.hidden = true;
        hidden.textContent = name;
        container.appendChild(hidden);
      }
      if (shown) box.setAttribute("aria-labelledby", `${nameId} ${shown}`);
      box.setAttribute("aria-label", name);
    }
    container.querySelectorAll(".select2-search__field:not([aria-label])").forEach(
      (search) => search.setAttribute("aria-label", name),
    );
    // The mouse's "clear all" cross, put inside the list of chosen items;
    // the keyboard clears with Delete, as select2 announces nothing here.
    container.querySelectorAll("ul.select2-selection__rendered > :not(li)").forEach(
      (cross) => cross.setAttribute("aria-hidden", "true"),
    );
  };

  const nameEditor = (editor) => {
    if (editor.hasAttribute("aria-label")) return;
    const wrapper = editor.closest(".prose-editor");
    const name = nameOf(wrapper && wrapper.querySelector("textarea"));
    if (name) editor.setAttribute("aria-label", name);
  };

  const nameAll = () => {
    document.querySelectorAll(".select2-container").forEach(nameSelect2);
    document.querySelectorAll(".ProseMirror[contenteditable]").forEach(nameEditor);
  };

  const start = () => {
    nameAll();
    new MutationObserver(nameAll).observe(document.body, { childList: true, subtree: true });
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
