// The overview's live statuses: each server-sent event names the connectors that changed.
(function () {
  var source = new EventSource("/console/live");
  source.onerror = function () {  // the session ended or the server went away
    var live = document.getElementById("live");
    if (live && source.readyState === EventSource.CLOSED) { live.textContent = live.dataset.lost; }
  };
  source.onmessage = function (event) {
    var changed = JSON.parse(event.data);
    Object.keys(changed).forEach(function (key) {
      var cell = document.getElementById("st-" + key);
      if (cell) {
        cell.textContent = changed[key];
        cell.className = "status-" + changed[key];
      }
    });
  };
})();
