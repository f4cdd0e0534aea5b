// Check-in pages (双报到). The organiser's code page loads the next code
// when this one expires; the member's check-in form sends the phone's
// position, when the phone gives it, and the page's own id for the phone.
// No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  var card = document.getElementById("code-card");
  if (card) {
    var secs = parseInt(card.dataset.refresh, 10) || 30;
    setTimeout(function () { location.reload(); }, secs * 1000);
  }

  var form = document.getElementById("checkin-form");
  if (!form) { return; }
  var state = document.getElementById("geo-state");
  var key = "grassroots-device";
  var device = "";
  try {
    device = localStorage.getItem(key) || "";
    if (!device) {
      var b = new Uint8Array(16);
      crypto.getRandomValues(b);
      device = Array.from(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
      localStorage.setItem(key, device);
    }
  } catch (e) { device = ""; }
  form.elements.device.value = device;
  if (!navigator.geolocation) {
    state.textContent = state.dataset.none || state.textContent;
    return;
  }
  navigator.geolocation.getCurrentPosition(function (p) {
    form.elements.lat.value = String(p.coords.latitude);
    form.elements.lon.value = String(p.coords.longitude);
    form.elements.accuracy.value = String(Math.round(p.coords.accuracy));
    state.textContent = (state.dataset.ok || "").replace("%d", String(Math.round(p.coords.accuracy)));
  }, function () {
    state.textContent = state.dataset.none || state.textContent;
  }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 30000 });
})();
