// Images in the article body. Under the editor:
// - "Upload an image into the body" sends the file to the same checks as
//   the featured image (articles/admin/desk.py, body_image_view); it joins
//   the media library (or is found there: the same file uploaded before);
// - "Choose from the library" searches the library and picks a picture.
// Either way the editor's figure dialog opens with the picture's address,
// and its alt text and caption offered from the library: edit them for this
// story, then Insert.
(() => {
  const script = document.getElementById("body-images-script");
  const body = document.getElementById("id_body");
  const form = document.getElementById("article_form") || (body && body.form);
  if (!script || !body || !form) return;
  const box = document.createElement("div");
  box.className = "body-image-upload";
  box.innerHTML =
    '<label for="body-image-file">Upload an image into the body</label> ' +
    '<input type="file" id="body-image-file" accept="image/jpeg,image/png,image/webp,image/gif"> ' +
    (script.dataset.libraryUrl ? '<button type="button" class="button library-open">Choose from the library</button> ' : "") +
    '<span class="body-image-status" role="status"></span>';
  (body.closest(".form-row") || body.parentElement).appendChild(box);
  const input = box.querySelector("input");
  const status = box.querySelector(".body-image-status");

  // The editor's figure dialog, opened with `picture` filled in.
  const insert = (picture) => {
    const editor = body.parentElement.querySelector(".ProseMirror[contenteditable=true]") ||
      document.querySelector(".ProseMirror[contenteditable=true]");
    if (editor) editor.focus();
    const button = document.querySelector("button[data-name=figure]");
    if (!button) { status.textContent = `Image address: ${picture.url}`; return; }
    button.click();
    const fill = () => {
      const dialog = document.querySelector("dialog[open]");
      const url = dialog && dialog.querySelector("input[name=imageUrl]");
      if (!url) { setTimeout(fill, 50); return; }
      url.value = picture.url;
      const alt = dialog.querySelector("input[name=altText]");
      const caption = dialog.querySelector("input[name=caption]");
      const words = [picture.caption, picture.credit && `Photo: ${picture.credit}`].filter(Boolean);
      if (caption && words.length) caption.value = words.join(" ");
      if (alt) { alt.value = picture.alt || ""; alt.focus(); }
    };
    fill();
  };

  input.addEventListener("change", () => {
    const file = input.files[0];
    if (!file) return;
    const data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("input[name=csrfmiddlewaretoken]").value);
    data.append("image", file);
    status.textContent = "Uploading…";
    fetch(script.dataset.uploadUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then((r) => r.json().then((answer) => ({ ok: r.ok, answer })))
      .then(({ ok, answer }) => {
        if (!ok) { status.textContent = answer.error || "The image was refused."; return; }
        status.textContent = answer.existing
          ? `Already in the library as “${answer.existing}”: that picture is used, with its words. Check them, then Insert.`
          : answer.existing === ""
            ? "Already in the library: that picture is used. Describe it, then Insert."
            : "Uploaded to the library: describe it and add a caption, then Insert.";
        input.value = "";
        insert(answer);
      })
      .catch(() => { status.textContent = "The upload failed: check your connection."; });
  });

  // The library picker: a dialog with a search box and the pictures found.
  const open = box.querySelector(".library-open");
  if (!open) return;
  const dialog = document.createElement("dialog");
  dialog.className = "library-picker";
  dialog.setAttribute("aria-labelledby", "library-picker-title");
  dialog.innerHTML =
    '<h2 id="library-picker-title">Choose a picture from the library</h2>' +
    '<p><label for="library-picker-q">Search</label> <input type="search" id="library-picker-q" ' +
    'placeholder="Title, tags, caption, credit"> <button type="button" class="button library-close">Close</button></p>' +
    '<p class="library-picker-status" role="status"></p><ul class="library-picker-results"></ul>';
  document.body.appendChild(dialog);
  const query = dialog.querySelector("input");
  const results = dialog.querySelector("ul");
  const found = dialog.querySelector(".library-picker-status");
  let timer = null;
  const search = () => {
    fetch(`${script.dataset.libraryUrl}?q=${encodeURIComponent(query.value)}`, { credentials: "same-origin" })
      .then((r) => r.json())
      .then(({ results: items }) => {
        results.replaceChildren();
        found.textContent = items.length ? `${items.length} ${items.length === 1 ? "picture" : "pictures"}` : "No picture matches.";
        for (const item of items) {
          const li = document.createElement("li");
          const pick = document.createElement("button");
          pick.type = "button";
          pick.className = "library-pick";
          pick.disabled = !item.url;
          const img = document.createElement("img");
          img.src = item.thumb || "";
          img.alt = "";
          img.loading = "lazy";
          const label = document.createElement("span");
          label.textContent = item.title + (item.expired ? " (licence expired)" : "") +
            (item.url ? "" : " (sizes being made)");
          pick.append(img, label);
          pick.addEventListener("click", () => { dialog.close(); insert(item); });
          li.appendChild(pick);
          results.appendChild(li);
        }
      })
      .catch(() => { found.textContent = "The library did not answer: try again."; });
  };
  query.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 250); });
  dialog.querySelector(".library-close").addEventListener("click", () => dialog.close());
  open.addEventListener("click", () => { dialog.showModal(); query.focus(); search(); });
})();
