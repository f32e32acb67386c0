// The JIGA Store in a scene: sign in with the device id, search the marketplace, hire an agent
// and follow its session with a live DOF meter, then end it and show the settlement.
// Add this component to any GameObject and press Play (point BaseUrl at a running store, e.g.
// `cargo run --release -p jiga-server -- --seed-demo --db sqlite://jiga-demo.db`).
// Everything below runs on the main thread: the JigaDispatcher pumps the client in Update,
// and await continues on Unity's synchronization context.
using System;
using System.Collections.Generic;
using Jiga;
using UnityEngine;

public class StoreDemo : MonoBehaviour
{
    public string BaseUrl = "http://127.0.0.1:3000";
    public long Budget = 300;

    private JigaClient _client;
    private List<Listing> _results = new List<Listing>();
    private string _query = "";
    private string _status = "signing in…";
    private SessionStream _stream;
    private string _sessionId;
    private long _budget, _consumed, _remaining;
    private readonly List<string> _log = new List<string>();
    private Vector2 _scroll;

    private async void Start()
    {
        _client = new JigaClient(BaseUrl);
        try
        {
            // Saved tokens first (a real game keeps them in the platform's secure storage).
            var user = await _client.SignInDeviceAsync(SystemInfo.deviceUniqueIdentifier);
            _status = "signed in as " + user.DisplayName;
            await Search();
        }
        catch (JigaException e)
        {
            _status = e.Kind + ": " + e.Message;
        }
    }

    private async System.Threading.Tasks.Task Search()
    {
        var page = await _client.SearchAsync(new SearchParams { Q = _query == "" ? null : _query, Sort = "rating", Limit = 10 });
        _results = page.Items;
        _status = page.Total + " agents";
    }

    private async void Hire(Listing agent)
    {
        try
        {
            var hired = await _client.HireAsync(new HireRequest
            {
                AgentId = agent.Id,
                Game = agent.Games.Count > 0 ? agent.Games[0] : "practice",
                Budget = Budget,
                MaxMinutes = 5,
                ExpectedPricing = agent.Pricing, // refused (409) if the price changed since
            });
            _sessionId = hired.Session.Id;
            _budget = hired.Session.Budget;
            _remaining = _budget;
            _consumed = 0;
            _log.Clear();
            // The core's budget guard warns at 80% and ends the session at 90% of the budget.
            _stream = _client.OpenSession(_sessionId, new SessionOptions
            {
                Guard = new GuardSpec { Cap = Budget * 9 / 10, WarnAt = { 0.8 } },
                EndAtCap = true,
            });
            _stream.EventReceived += OnEvent;
            _stream.GuardFired += g => _status = g.Action == "warn"
                ? "80% of the budget spent"
                : "budget cap reached: the session is ending";
            _stream.Ended += e => _status = e == null ? "session over" : "stream failed: " + e.Message;
            _status = "hired " + agent.Name;
        }
        catch (InsufficientFundsException e)
        {
            _status = "not enough DOF: need " + e.Needed + ", have " + e.Available;
        }
        catch (JigaException e)
        {
            _status = e.Kind + ": " + e.Message;
        }
    }

    private void OnEvent(SessionEvent e)
    {
        switch (e.Kind)
        {
            case EventKind.DofUpdate:
                _consumed = e.Consumed;
                _remaining = e.Remaining;
                break;
            case EventKind.Action:
            case EventKind.Commentary:
                _log.Add(e.Seq + " " + e.Data.ToString(Newtonsoft.Json.Formatting.None));
                if (_log.Count > 200) _log.RemoveAt(0);
                break;
            case EventKind.Ended:
                var s = e.Settlement;
                _status = "settled: consumed " + s.Consumed + " (owner " + s.OwnerEarnings + ", fee " + s.PlatformFee + "), released " + s.Released;
                break;
        }
    }

    private async void End()
    {
        try
        {
            await _client.EndSessionAsync(_sessionId);
        }
        catch (JigaException e)
        {
            _status = e.Kind + ": " + e.Message;
        }
    }

    private void OnGUI()
    {
        GUILayout.BeginArea(new Rect(10, 10, 520, Screen.height - 20));
        GUILayout.Label(_status);
        if (_stream == null)
        {
            GUILayout.BeginHorizontal();
            _query = GUILayout.TextField(_query, GUILayout.Width(300));
            if (GUILayout.Button("Search")) _ = Search();
            GUILayout.EndHorizontal();
            foreach (var l in _results)
            {
                GUILayout.BeginHorizontal();
                GUILayout.Label(l.Name + " ★" + l.Rating.ToString("0.0") + " " + l.Pricing.PerMinute + "/min " + l.Pricing.PerAction + "/action", GUILayout.Width(400));
                if (GUILayout.Button("Hire")) Hire(l);
                GUILayout.EndHorizontal();
            }
        }
        else
        {
            // The live DOF meter: what the stream's dof_update headers say.
            GUILayout.Label("DOF " + _consumed + " / " + _budget + " (" + _remaining + " left)");
            var bar = GUILayoutUtility.GetRect(500, 18);
            GUI.Box(bar, GUIContent.none);
            GUI.Box(new Rect(bar.x, bar.y, bar.width * (_budget == 0 ? 0 : (float)_consumed / _budget), bar.height), GUIContent.none);
            if (!_stream.IsEnded && GUILayout.Button("End session")) End();
            if (_stream.IsEnded && GUILayout.Button("Back")) _stream = null;
            _scroll = GUILayout.BeginScrollView(_scroll);
            foreach (var line in _log) GUILayout.Label(line);
            GUILayout.EndScrollView();
        }
        GUILayout.EndArea();
    }

    private void OnDestroy()
    {
        if (_client != null) _client.Dispose();
    }
}
