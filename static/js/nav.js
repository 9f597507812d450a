/* The top bar on a phone: the menu button shows and hides the links. Without this script the
   links simply stay in view (the button is hidden by CSS until the script marks the page). A
   Settings menu left open closes on a click elsewhere or on Escape. */
(function () {
  document.documentElement.classList.add("js");
  function closeGroups(except) {
    document.querySelectorAll("details.nav-group[open]").forEach(function (group) {
      if (group !== except) group.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-nav-toggle]");
    if (button) {
      var nav = document.getElementById(button.getAttribute("aria-controls"));
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("is-open", open);
      return;
    }
    closeGroups(event.target.closest("details.nav-group"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeGroups(null);
  });
})();
