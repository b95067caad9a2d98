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
