// Applied before the first paint, so a dark-mode choice never flashes white.
try {
  var theme = localStorage.getItem("zane-theme");
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
} catch {
  // Storage refused (a private window, a blocked site): the system's theme it is.
}
