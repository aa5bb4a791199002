// Colour the legend swatches of the charts (inline style attributes would need
// 'unsafe-inline' in the Content-Security-Policy).
document.querySelectorAll(".swatch[data-color]").forEach((el) => {
  el.style.color = el.dataset.color;
});
