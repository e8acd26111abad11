// Shows the print button (the page is complete without JavaScript).
(function () {
  "use strict";
  var button = document.getElementById("imprimer");
  if (!button || !window.print) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
