// The facilitator's page (its key after #key=) and the observers' page (/workshop/watch/CODE).
"use strict";
(async function () {
  const $ = (id) => document.getElementById(id);
  const parts = location.pathname.split("/");
  const code = decodeURIComponent(parts[parts.length - 1]).toUpperCase();
  const hash = new URLSearchParams(location.hash.slice(1));
  const facilitator = parts[parts.length - 2] === "room" && hash.get("key");
  let token = facilitator || sessionStorage.getItem("leadsim-watch-" + code);
  let view = null;
  let fetchedAt = Date.now();
  const ARROWS = {raise: "↑", hold: "–", lower: "↓"};

  Workshop.text($("room-code"), code);
  fetch(Workshop.api(code, "/link"), {cache: "no-store"}).then((r) => r.json()).then((data) => {
    if (!data.join) return;
    Workshop.text($("join-link"), data.join);
    $("join-link").href = data.join;
  }).catch(() => {});
  $("qr").src = "/workshop/qr/" + encodeURIComponent(code) + ".svg";

  if (!token) {
    const answer = await Workshop.send(code, "/observe", "", {});
    if (!answer.ok) { Workshop.text($("error"), answer.data.error); return; }
    token = answer.data.token;
    sessionStorage.setItem("leadsim-watch-" + code, token);
  }
  if (facilitator) {
    $("controls").classList.remove("hidden");
    history.replaceState(null, "", location.pathname + location.hash);
  }

  async function control(body) {
    const answer = await Workshop.send(code, "/control", token, body);
    Workshop.text($("error"), answer.ok ? "" : answer.data.error);
  }
  $("apply").addEventListener("click", () => control({action: "settings",
    term_weeks: parseInt($("term-weeks-input").value, 10), timer: parseInt($("timer-input").value, 10)}));
  for (const action of ["start", "pause", "next", "end"]) {
    $(action).addEventListener("click", () => control({action: action}));
  }
  $("compare").addEventListener("click", () => control({action: "compare"}));
  $("shock").addEventListener("click", async () => {
    const value = $("shock-school").value;
    const answer = await Workshop.send(code, "/shock", token, {school: value === "all" ? null : parseInt(value, 10)});
    Workshop.text($("error"), answer.ok ? "" : answer.data.error);
  });
  for (const button of document.querySelectorAll(".download")) {
    button.addEventListener("click", async () => {
      const file = button.dataset.file;
      const response = await fetch(Workshop.api(code, "/export/" + file), {headers: {"X-Room-Token": token}});
      if (!response.ok) { Workshop.text($("error"), "download refused"); return; }
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = "room-" + code + "-" + file;
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
  }

  Workshop.follow(code, token, show, (problem, status) => {
    Workshop.text($("error"), problem || "");
    if (status === 403 && !facilitator) sessionStorage.removeItem("leadsim-watch-" + code);
  });
  setInterval(() => { if (view) Workshop.text($("timer"), Workshop.timerText(view, fetchedAt)); }, 500);

  function show(next) {
    view = next;
    fetchedAt = Date.now();
    document.body.dataset.version = view.version;
    document.body.dataset.week = view.week;
    Workshop.text($("title"), "leadsim workshop · room " + view.code + " · " + view.scenario +
      (facilitator ? " · facilitator" : " · observer"));
    Workshop.text($("phase"), Workshop.phaseText(view));
    Workshop.text($("week"), view.week);
    Workshop.text($("horizon"), view.horizon);
    Workshop.text($("timer"), Workshop.timerText(view, fetchedAt));
    if (facilitator) {
      const ended = view.phase === "ended";
      $("start").textContent = view.phase === "paused" ? "Resume" : "Start";
      $("start").disabled = ended || view.phase === "open";
      $("pause").disabled = view.phase !== "open";
      for (const id of ["next", "shock", "end", "apply", "compare"]) $(id).disabled = ended;
    }
    Workshop.text($("decided-count"), view.decided + " of " + view.seated + " heads");
    Workshop.text($("term-weeks"), view.term_weeks);
    Workshop.text($("shocks"), view.pending_shocks.length
      ? "Inspection next term at: " + view.pending_shocks.map((s) => s === null ? "all schools" : view.schools[s].school).join(", ")
      : "");
    const select = $("shock-school");
    if (select.options.length === 0) {
      select.add(new Option("all schools", "all"));
      view.schools.forEach((s, k) => select.add(new Option(s.school, String(k))));
    }
    const compare = view.compare ? view.compare.schools : [];
    $("schools").innerHTML = view.schools.map((s, k) => {
      const index = s.series.distribution_index || [];
      const model = compare[k] ? compare[k].model : null;
      const badges = (s.head ? "" : '<span class="badge">model</span>') +
        (s.decided ? '<span class="badge decided">decided</span>' : "") +
        (s.reverted ? '<span class="badge reverted">reverted (week ' + s.reverted_week + ")</span>" : "");
      return '<div class="school' + (s.reverted ? " reverted" : "") + '" data-school="' + k + '">' +
        "<b>" + Workshop.escape(s.school) + "</b>" + badges +
        '<div class="muted">head: ' + Workshop.escape(s.head ? s.head + (s.seated ? "" : " (seat free)") : "the model") +
        (facilitator && s.seated ? ' <button class="secondary release" data-school="' + k + '">Free seat</button>' : "") +
        "</div>" +
        Workshop.spark(index, "#1f77b4", model, 210, 50) +
        '<div class="muted">distribution index ' + Workshop.pct(Workshop.last(index)) +
        " · staff anxiety " + Workshop.pct(Workshop.last(s.series.anxiety)) +
        " · head's anxiety " + Workshop.pct(Workshop.last(s.series.leader_anxiety)) +
        " · containment " + Workshop.pct(Workshop.last(s.series.containment)) + "</div>" +
        '<div class="dots">' + s.attended.map((a) => "<span" + (a ? ' class="in"' : "") + "></span>").join("") +
        "</div></div>";
    }).join("");
    for (const button of document.querySelectorAll("#schools .release")) {
      button.addEventListener("click", () => {
        const k = parseInt(button.dataset.school, 10);
        if (window.confirm("Free " + view.schools[k].school + "'s seat? Its head's page stops working; the next person to join takes the seat.")) {
          control({action: "release", school: k});
        }
      });
    }
    $("versus").classList.toggle("hidden", !view.compare);
    if (view.compare) {
      $("versus-table").innerHTML = "<tr><th>school</th><th>head</th><th>final index: room</th><th>model</th>" +
        "<th>reverted: room</th><th>model</th></tr>" + compare.map((c, k) => "<tr><td>" + Workshop.escape(c.school) +
        "</td><td>" + Workshop.escape(view.schools[k].head || "model") + "</td><td>" + Workshop.pct(Workshop.last(c.room)) +
        "</td><td>" + Workshop.pct(Workshop.last(c.model)) + "</td><td>" + (c.room_reverted ? "yes" : "no") +
        "</td><td>" + (c.model_reverted ? "yes" : "no") + "</td></tr>").join("");
    }
    let table = "<tr><th>school</th>" + view.decisions.map((d) => "<th>T" + d.term + " (wk " + d.week + ")</th>").join("") + "</tr>";
    view.schools.forEach((s, k) => {
      table += "<tr><td>" + Workshop.escape(s.school) + "</td>" + view.decisions.map((d) => {
        const cells = d.entries.filter((e) => e.seat === k || (e.kind === "shock" && e.seat === null));
        return "<td>" + cells.map((e) => e.kind === "shock" ? "⚠" :
          ARROWS[e.choice] + (e.attend ? "" : " skip") + (e.reflect ? " R" : "")).join(" ") + "</td>";
      }).join("") + "</tr>";
    });
    $("decisions").innerHTML = table;
  }
})();
