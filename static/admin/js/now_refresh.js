// "Now" refreshes itself every minute while the box is ticked (the editor
// can stop it: an unasked reload must be under their control); without
// JavaScript the Refresh button does it.
(() => {
  const box = document.getElementById("now-auto");
  if (!box) return;
  box.closest("label").hidden = false;
  const key = "newsroom-now-auto";
  box.checked = window.localStorage.getItem(key) !== "off";
  box.addEventListener("change", () => {
    window.localStorage.setItem(key, box.checked ? "on" : "off");
  });
  setInterval(() => {
    if (box.checked && document.visibilityState === "visible") window.location.reload();
  }, 60000);
})();
