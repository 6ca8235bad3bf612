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
  var button = form.querySelector("button[type=submit]");
  function show(id, text) { document.getElementById(id).textContent = text; }
  function again() {  // back to the form, for a new registration
    document.getElementById("step2").hidden = false;
    button.disabled = false;
  }
  function poll(visitorId, tries) {
    fetch("/public/visits/" + visitorId).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    }).then(function (v) {
      show("result", TEXT[v.state] || v.state);
      show("countdown", v.state === "waiting" ? v.seconds_left + " 秒 / s" : "");
      if (v.state === "completed" && v.total) {
        show("result", TEXT.completed + " — 料金 / fee: " + v.total + " 円");
        return;
      }
      if (v.state === "expired") { again(); return; }
      var wait = v.state === "waiting" ? 1000 : 5000;  // charging for hours: now and then
      if (tries < 5000) { setTimeout(function () { poll(visitorId, tries + 1); }, wait); }
    }).catch(function () {  // a network blip or a busy server: try again a little later
      setTimeout(function () { poll(visitorId, tries + 1); }, 5000);
    });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;  // one registration per press
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
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) { return [r.status, j]; });
    }).then(function (answer) {
      if (answer[0] !== 201) {
        show("error", answer[1].error || ("error " + answer[0]));
        button.disabled = false;
        return;
      }
      show("error", "");
      document.getElementById("step2").hidden = true;
      document.getElementById("step3").hidden = false;
      if (answer[1].password) {
        var p = document.getElementById("password");
        p.hidden = false;
        p.textContent = "パスワード / password: " + answer[1].password;
      }
      poll(answer[1].visitor_id, 0);
    }).catch(function () {
      show("error", "通信できませんでした / Could not connect: please try again");
      button.disabled = false;
    });
  });
})();
