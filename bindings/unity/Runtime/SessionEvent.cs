using System;
using Jiga.Native;
using Newtonsoft.Json.Linq;
using UnityEngine.Scripting;

namespace Jiga
{
    /// <summary>The kind of a session event (the <c>jiga_event</c> header's).</summary>
    public enum EventKind
    {
        /// <summary><c>session.started</c>, always seq 1.</summary>
        Started = 1,
        /// <summary><c>agent.action</c>.</summary>
        Action = 2,
        /// <summary><c>agent.commentary</c>.</summary>
        Commentary = 3,
        /// <summary><c>session.dof_update</c>: Delta, Consumed, Remaining are set.</summary>
        DofUpdate = 4,
        /// <summary><c>session.command_ack</c>.</summary>
        CommandAck = 5,
        /// <summary><c>session.ended</c>: Consumed is the settlement's, Remaining what was released.</summary>
        Ended = 6,
        /// <summary>A type this version does not know: read <see cref="SessionEvent.Type"/> and <see cref="SessionEvent.Data"/>.</summary>
        Unknown = 99,
    }

    /// <summary>
    /// One event of a session stream: the fixed header the ABI hands over as a record (no JSON
    /// parsing on the hot path), and the whole frame as JSON text, parsed only when
    /// <see cref="Frame"/>, <see cref="Data"/> or <see cref="Type"/> is first read.
    /// </summary>
    [Preserve]
    public sealed class SessionEvent
    {
        private JObject _frame;
        private byte[] _utf8;
        private string _json;

        internal unsafe SessionEvent(JigaEvent* e, byte[] utf8)
        {
            Seq = e->seq;
            var k = (int)e->kind;
            Kind = k >= 1 && k <= 6 ? (EventKind)k : EventKind.Unknown;
            TsMillis = e->ts_millis;
            Delta = e->delta;
            Consumed = e->consumed;
            Remaining = e->remaining;
            _utf8 = utf8;
        }

        /// <summary>Position in the session, from 1, without gaps.</summary>
        public ulong Seq { get; private set; }
        /// <summary>What happened.</summary>
        public EventKind Kind { get; private set; }
        /// <summary>When the server emitted it, in Unix milliseconds.</summary>
        public long TsMillis { get; private set; }
        /// <summary><c>session.dof_update</c>: this charge; else 0.</summary>
        public long Delta { get; private set; }
        /// <summary>DOF consumed so far (<c>dof_update</c>, <c>ended</c>); else 0.</summary>
        public long Consumed { get; private set; }
        /// <summary>DOF left of the budget (<c>dof_update</c>), released (<c>ended</c>); else 0.</summary>
        public long Remaining { get; private set; }
        /// <summary>The whole frame, <c>{seq, type, ts, data}</c>, as the contract writes it
        /// (decoded from UTF-8 on first read).</summary>
        public string Json
        {
            get
            {
                if (_json == null && _utf8 != null)
                {
                    _json = System.Text.Encoding.UTF8.GetString(_utf8);
                    _utf8 = null;
                }
                return _json;
            }
        }

        /// <summary>When the server emitted it.</summary>
        public DateTimeOffset Timestamp
        {
            get { return DateTimeOffset.FromUnixTimeMilliseconds(TsMillis); }
        }

        /// <summary>The parsed frame.</summary>
        public JObject Frame
        {
            get { return _frame ?? (_frame = JObject.Parse(Json)); }
        }

        /// <summary>The wire type (<c>agent.action</c>…).</summary>
        public string Type
        {
            get { return (string)Frame["type"]; }
        }

        /// <summary>The event's <c>data</c>.</summary>
        public JToken Data
        {
            get { return Frame["data"]; }
        }

        /// <summary>The command a <c>session.command_ack</c> acknowledges, else null.</summary>
        public string CommandId
        {
            get { return Kind == EventKind.CommandAck ? (string)Data["commandId"] : null; }
        }

        /// <summary>The settlement of <c>session.ended</c>, else null.</summary>
        public Settlement Settlement
        {
            get { return Kind == EventKind.Ended ? Data["settlement"].ToObject<Settlement>() : null; }
        }
    }
}
