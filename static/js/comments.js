// Progressive enhancement for the comment form: "Reply" fills the hidden
// parent field in place instead of reloading the page. Without JavaScript the
// link's ?replytocom= address does the same on the server.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.comment-reply, #cancel-reply");
  const form = document.getElementById("comment-form");
  if (!link || !form) return;
  event.preventDefault();
  const parent = form.querySelector("input[name=parent]");
  const note = document.getElementById("reply-to");
  if (link.id === "cancel-reply") {
    parent.value = "";
    note.hidden = true;
  } else {
    parent.value = link.dataset.replyTo;
    document.getElementById("reply-to-name").textContent = link.dataset.replyName;
    note.hidden = false;
  }
  form.querySelector("textarea[name=body]").focus();
});

// A form sent back with an error or a refusal focuses the field or the
// message concerned (autofocus), but browsers focus without scrolling: bring
// it into view, as the form sits below a long article and thread.
const answer = document.querySelector("#respond [autofocus]");
if (answer) answer.scrollIntoView({ block: "center", behavior: "instant" });

// The too-fast rule needs the time *this* visitor got the form, but the page
// may have come from a cache: when they start writing, fetch their own.
// Without JavaScript the server cannot tell, and holds the comment for a
// moderator instead.
const commentForm = document.getElementById("comment-form");
if (commentForm && commentForm.dataset.timeUrl) {
  commentForm.addEventListener("focusin", () => {
    fetch(commentForm.dataset.timeUrl, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (data && data.ts) commentForm.querySelector("input[name=ts]").value = data.ts;
      })
      .catch(() => {});
  }, { once: true });
}

// "Report" opens its form in place under the comment and sends it without
// leaving the page. Without JavaScript the link opens the same form on a
// page of its own (/comments/<id>/report/), which is what is fetched here.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.comment-report");
  if (!link) return;
  const article = link.closest("article");
  const open = article.querySelector("form.comment-report-form");
  event.preventDefault();
  if (open) {
    open.remove();
    return;
  }
  fetch(link.href, { credentials: "same-origin" })
    .then((response) => (response.ok ? response.text() : Promise.reject(response)))
    .then((html) => {
      const page = new DOMParser().parseFromString(html, "text/html");
      const form = page.querySelector("#content form, main form, form[method=post]");
      if (!form) throw new Error("no form");
      form.classList.add("comment-report-form", "border", "rounded", "p-3", "my-2");
      form.action = link.href;
      form.querySelectorAll("[id]").forEach((node) => {
        const label = form.querySelector(`label[for="${node.id}"]`);
        node.id = `${node.id}-${link.href.match(/\/(\d+)\/report/)[1]}`;
        if (label) label.htmlFor = node.id;
      });
      form.querySelector("a.btn-link")?.addEventListener("click", (e) => {
        e.preventDefault();
        form.remove();
      });
      form.addEventListener("submit", (submitEvent) => {
        submitEvent.preventDefault();
        fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
        })
          .then((response) => response.text())
          .then((answerHtml) => {
            const answerPage = new DOMParser().parseFromString(answerHtml, "text/html");
            const done = answerPage.querySelector("[role=status].lead");
            const errors = answerPage.querySelector("form[method=post]");
            if (done) {
              const note = document.createElement("p");
              note.className = "comment-report-done small text-body-secondary";
              note.setAttribute("role", "status");
              note.textContent = done.textContent;
              form.replaceWith(note);
            } else if (errors) {
              form.innerHTML = errors.innerHTML;
            }
          })
          .catch(() => form.submit());
      });
      link.after(form);
      form.querySelector("input[name=reason]")?.focus();
    })
    .catch(() => {
      window.location.href = link.href;
    });
});
