// The newsletter box answers in place (without JavaScript the form posts
// and the next page says the same). Nothing here tracks anyone.
(function () {
  "use strict";
  document.querySelectorAll("form.newsletter-signup").forEach(function (form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    var status = form.querySelector("[data-newsletter-status]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      status.textContent = "";
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          status.textContent = answer.ok ? answer.message : answer.errors.join(" ");
          status.classList.toggle("text-danger", !answer.ok);
          if (answer.ok) form.querySelector("input[type=email]").value = "";
        })
        .catch(function () { form.submit(); })
        .finally(function () { button.disabled = false; });
    });
  });
})();
