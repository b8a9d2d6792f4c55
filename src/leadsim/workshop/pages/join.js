// The participant's page: join a room by its code, then play one school's head.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  let code = (params.get("code") || localStorage.getItem("leadsim-workshop-last") || "").toUpperCase();
  let token = null;
  let view = null;
  let fetchedAt = Date.now();
  let choice = "hold";
  const COLOURS = {anxiety: "#d62728", trust: "#2ca02c", distribution: "#17becf",
    share_leading: "#1f77b4", leader_anxiety: "#ff7f0e", containment: "#8c564b", target: "#bcbd22"};

  $("code").value = code;
  const stored = code && localStorage.getItem("leadsim-workshop-" + code);
  if (stored) start(code, stored);

  $("join").addEventListener("click", async () => {
    code = $("code").value.trim().toUpperCase();
    const answer = await Workshop.send(code, "/join", "", {name: $("name").value});
    if (!answer.ok) { Workshop.text($("error"), answer.data.error); return; }
    localStorage.setItem("leadsim-workshop-" + code, answer.data.token);
    localStorage.setItem("leadsim-workshop-last", code);
    start(code, answer.data.token);
  });
  $("watch").addEventListener("click", (event) => {
    event.preventDefault();
    const typed = $("code").value.trim().toUpperCase();
    if (typed) location.href = "/workshop/watch/" + encodeURIComponent(typed);
  });
  for (const button of document.querySelectorAll(".choice")) {
    button.addEventListener("click", () => { choice = button.dataset.choice; showChoice(); });
  }
  $("decide").addEventListener("click", async () => {
    const answer = await Workshop.send(code, "/decide", token, {
      choice: choice, attend: $("attend").checked, reflect: $("reflect").checked,
    });
    Workshop.text($("error"), answer.ok ? "" : answer.data.error);
    if (answer.ok) Workshop.text($("decided"), "Decided: " + describe({choice: choice,
      attend: $("attend").checked, reflect: $("reflect").checked}));
  });

  function start(roomCode, seatToken) {
    token = seatToken;
    $("join-form").classList.add("hidden");
    $("play").classList.remove("hidden");
    Workshop.follow(roomCode, token, show, (problem, status) => {
      Workshop.text($("error"), problem || "");
      if (status === 403 || status === 404) {  // not this room's seat (any more): join again
        localStorage.removeItem("leadsim-workshop-" + roomCode);
        $("join-form").classList.remove("hidden");
        $("play").classList.add("hidden");
      }
    });
    setInterval(() => { if (view) Workshop.text($("timer"), Workshop.timerText(view, fetchedAt)); }, 500);
  }

  function describe(d) {
    return d.choice + " target, " + (d.attend ? "attend" : "skip") + " the group" +
      (d.reflect ? ", reflection week" : "");
  }

  function showChoice() {
    for (const button of document.querySelectorAll(".choice")) {
      button.classList.toggle("chosen", button.dataset.choice === choice);
    }
  }

  function show(next) {
    const newTerm = !view || view.terms_run !== next.terms_run;
    view = next;
    fetchedAt = Date.now();
    document.body.dataset.version = view.version;
    document.body.dataset.week = view.week;
    Workshop.text($("title"), "Room " + view.code + " · " + view.name);
    Workshop.text($("school"), "You are the head of " + view.school);
    Workshop.text($("phase"), Workshop.phaseText(view));
    Workshop.text($("week"), view.week);
    Workshop.text($("horizon"), view.horizon);
    Workshop.text($("term"), view.term);
    Workshop.text($("term-weeks"), view.term_weeks);
    Workshop.text($("target"), Workshop.pct(view.target));
    Workshop.text($("timer"), Workshop.timerText(view, fetchedAt));
    $("inspection").classList.toggle("hidden", !view.inspection);
    const cards = [];
    for (const [name, label] of Object.entries(view.labels)) {
      const values = view.series[name] || [];
      cards.push('<div class="card" data-series="' + name + '"><div class="muted">' + Workshop.escape(label) +
        '</div><div class="value">' + Workshop.pct(Workshop.last(values)) + "</div>" +
        Workshop.spark(values, COLOURS[name] || "#1f77b4") + "</div>");
    }
    $("cards").innerHTML = cards.join("");
    const ended = view.phase === "ended";
    $("decide").disabled = ended;
    if (view.decision) {
      Workshop.text($("decided"), "Decided: " + describe(view.decision) + " — waiting for " +
        (view.seated - view.decided) + " other head(s)");
    } else if (newTerm) {
      Workshop.text($("decided"), ended ? "" : "Not decided yet: undecided heads hold.");
      choice = "hold";
      $("reflect").checked = false;
      showChoice();
    }
    $("meetings").innerHTML = view.meetings.length
      ? view.meetings.map((m) => "week " + m.week + ": " + (m.attended ? "attended" : "absent")).join(" · ")
      : "No meeting yet.";
    $("history").innerHTML = view.history.map((h) => "<li>week " + h.week + ": " + describe(h) +
      " (target " + Workshop.pct(h.target) + ")</li>").join("");
  }
})();
