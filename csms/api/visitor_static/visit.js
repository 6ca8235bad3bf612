// The visitor's page (seed 000): register, then count down the 60-second touch window and
// show the visit's state as the server sees it, until charging is complete or it expired.
(function () {
  var form = document.getElementById("visit");
  if (!form) { return; }
  var TEXT = {
    waiting: "カードをタッチしてください / Touch your card",
    touched: "カードを確認しました / Card accepted",
    charging: "充電を開始しました / Charging started",
    completed: "充電が完了しました / Charging complete",
    expired: "時間切れです。もう一度登録してください / Time is up: please register again",
    password: "充電器でパスワードを入力してください / Enter the password at the charger"
  };
  function show(id, text) { document.getElementById(id).textContent = text; }
  function poll(visitorId) {
    fetch("/public/visits/" + visitorId).then(function (r) { return r.json(); }).then(function (v) {
      show("result", TEXT[v.state] || v.state);
      show("countdown", v.state === "waiting" ? v.seconds_left + " 秒 / s" : "");
      if (v.state === "completed" && v.total) {
        show("result", TEXT.completed + " — 料金 / fee: " + v.total + " 円");
      }
      if (v.state !== "completed" && v.state !== "expired") {
        setTimeout(function () { poll(visitorId); }, 1000);
      }
    });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var reference = "sandbox-" + Array.from(crypto.getRandomValues(new Uint8Array(8)))
      .map(function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    var body = {
      name: document.getElementById("name").value,
      email: document.getElementById("email").value,
      notify: document.getElementById("notify").checked,
      payment_reference: reference
    };
    fetch("/public/stands/" + encodeURIComponent(form.dataset.stand) + "/visits", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (j) { return [r.status, j]; }); })
      .then(function (answer) {
        if (answer[0] !== 201) { show("error", answer[1].error || "error"); return; }
        document.getElementById("step2").hidden = true;
        document.getElementById("step3").hidden = false;
        if (answer[1].password) {
          var p = document.getElementById("password");
          p.hidden = false;
          p.textContent = "パスワード / password: " + answer[1].password;
        }
        poll(answer[1].visitor_id);
      });
  });
})();
