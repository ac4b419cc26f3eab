// The signature pad of the service report (a Telegram Mini App). Telegram passes its signed
// launch data in the URL fragment (tgWebAppData); the server checks it on every request.
(function () {
  "use strict";
  var root = document.getElementById("sign");
  var report = root.getAttribute("data-report");
  var fragment = new URLSearchParams(window.location.hash.slice(1));
  var webApp = window.Telegram && window.Telegram.WebApp;
  var initData = (webApp && webApp.initData) || fragment.get("tgWebAppData") || "";
  var message = document.getElementById("message");
  var padBox = document.getElementById("pad-box");
  var canvas = document.getElementById("pad");
  var context = canvas.getContext("2d");
  var strokes = 0;
  var drawing = false;

  function say(text) { message.textContent = text; message.hidden = false; }

  function post(path, body) {
    body.init_data = initData;
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    });
  }

  post("/sign/" + report + "/sheet", {}).then(function (answer) {
    if (!answer.ok) { say(answer.data.message); return; }
    document.getElementById("sheet").innerHTML = answer.data.html;
    document.documentElement.lang = answer.data.language === "zh_CN" ? "zh-CN" : "en";
    ["sign-here", "clear", "accept"].forEach(function (id) {
      document.getElementById(id).textContent = answer.data.labels[id];
    });
    message.hidden = true;
    padBox.hidden = !answer.data.pending;
    if (webApp && webApp.ready) { webApp.ready(); }
  }, function () { say("…"); });

  function point(event) {
    var box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * canvas.width / box.width,
            (event.clientY - box.top) * canvas.height / box.height];
  }
  context.lineWidth = 3;
  context.lineCap = "round";
  context.strokeStyle = "#0b1f4d";
  canvas.addEventListener("pointerdown", function (event) {
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    var at = point(event);
    context.beginPath();
    context.moveTo(at[0], at[1]);
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) { return; }
    var at = point(event);
    context.lineTo(at[0], at[1]);
    context.stroke();
  });
  function end() { if (drawing) { drawing = false; strokes += 1; } }
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  document.getElementById("clear").addEventListener("click", function () {
    context.clearRect(0, 0, canvas.width, canvas.height);
    strokes = 0;
  });
  document.getElementById("accept").addEventListener("click", function () {
    post("/sign/" + report, { signature: strokes ? canvas.toDataURL("image/png") : "" })
      .then(function (answer) {
        say(answer.data.message);
        if (answer.ok) {
          padBox.hidden = true;
          if (webApp && webApp.close) { setTimeout(webApp.close, 3000); }
        }
      });
  });
})();
