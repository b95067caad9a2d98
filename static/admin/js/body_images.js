// Images in the article body: "Upload an image" under the editor sends the
// file to the same checks and renditions as the featured image
// (articles/admin.py, body_image_view), then opens the editor's figure
// dialog with the image's address filled in: add its description (alt text)
// and caption (with the credit), and Insert.
(() => {
  const script = document.getElementById("body-images-script");
  const body = document.getElementById("id_body");
  const form = document.getElementById("article_form");
  if (!script || !body || !form) return;
  const box = document.createElement("div");
  box.className = "body-image-upload";
  box.innerHTML =
    '<label for="body-image-file">Upload an image into the body</label> ' +
    '<input type="file" id="body-image-file" accept="image/jpeg,image/png,image/webp,image/gif"> ' +
    '<span class="body-image-status" role="status"></span>';
  (body.closest(".form-row") || body.parentElement).appendChild(box);
  const input = box.querySelector("input");
  const status = box.querySelector(".body-image-status");
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
        status.textContent = "Uploaded: describe it and add a caption, then Insert.";
        input.value = "";
        // Put the cursor in the editor, then open its figure dialog.
        const editor = body.parentElement.querySelector(".ProseMirror[contenteditable=true]") ||
          document.querySelector(".ProseMirror[contenteditable=true]");
        if (editor) editor.focus();
        const button = document.querySelector("button[data-name=figure]");
        if (!button) { status.textContent = `Image address: ${answer.url}`; return; }
        button.click();
        const fill = () => {
          const url = document.querySelector("dialog[open] input[name=imageUrl]");
          if (!url) { setTimeout(fill, 50); return; }
          url.value = answer.url;
          const alt = document.querySelector("dialog[open] input[name=altText]");
          if (alt) alt.focus();
        };
        fill();
      })
      .catch(() => { status.textContent = "The upload failed: check your connection."; });
  });
})();
