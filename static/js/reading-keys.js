// The reading loop by keyboard: n next, p previous, m mark as read and go on, c choose a
// code, then Enter to apply it. Without this script the same controls carry access keys.
(function () {
  "use strict";
  var codeChoice = document.getElementById("code");
  var codingForm = document.getElementById("coding-form");
  var markRead = document.querySelector("form.actions");
  if (!codeChoice || !codingForm || !markRead) {
    return;
  }

  function follow(id) {
    var link = document.getElementById(id);
    if (link) {
      link.click();
    }
  }

  var actions = {
    n: function () { follow("next"); },
    p: function () { follow("previous"); },
    m: function () { markRead.requestSubmit(); },
    c: function () { codeChoice.focus(); }
  };

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing) {
      return;
    }
    if (event.target.closest("input, textarea, select, button, [contenteditable]")) {
      return;
    }
    var action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  codeChoice.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && codeChoice.value) {
      event.preventDefault();
      codingForm.requestSubmit();
    }
  });
}());
