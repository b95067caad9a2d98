// The focal point of a library picture: a click on the picture sets the
// "Focal x" and "Focal y" fields (fractions of its width and height, which
// can also be typed), and the mark shows where crops will centre. Loaded in
// the page's head (the admin's form media): runs once the page is read.
const setUpFocalPicker = () => {
  const picker = document.querySelector(".focal-picker");
  const x = document.getElementById("id_focal_x");
  const y = document.getElementById("id_focal_y");
  if (!picker || !x || !y) return;
  const mark = picker.querySelector(".focal-mark");
  const show = () => {
    mark.style.left = `${Number(x.value) * 100}%`;
    mark.style.top = `${Number(y.value) * 100}%`;
  };
  picker.addEventListener("click", (event) => {
    const box = picker.querySelector("img").getBoundingClientRect();
    const fraction = (value) => Math.min(1, Math.max(0, value)).toFixed(3);
    x.value = fraction((event.clientX - box.left) / box.width);
    y.value = fraction((event.clientY - box.top) / box.height);
    show();
  });
  x.addEventListener("input", show);
  y.addEventListener("input", show);
  show();
};
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", setUpFocalPicker);
} else {
  setUpFocalPicker();
}
