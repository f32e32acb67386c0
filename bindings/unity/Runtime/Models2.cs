// More of the contract's models: agents' authoring, reviews, paging and filters, and what the
// session stream adds (options, guard, meter, reconciliation). Same rules as Models.cs.
using System.Collections.Generic;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using UnityEngine.Scripting;

namespace Jiga
{
    /// <summary>A page request: both members optional.</summary>
    [Preserve]
    public class PageRequest
    {
        [JsonProperty("limit", NullValueHandling = NullValueHandling.Ignore)] public int? Limit { get; set; }
        [JsonProperty("cursor", NullValueHandling = NullValueHandling.Ignore)] public string Cursor { get; set; }
    }

    /// <summary>Filters of the caller's sessions.</summary>
    [Preserve]
    public class SessionFilter
    {
        /// <summary><c>active</c> or <c>ended</c>; null for both.</summary>
        [JsonProperty("status", NullValueHandling = NullValueHandling.Ignore)] public string Status { get; set; }
        [JsonProperty("limit", NullValueHandling = NullValueHandling.Ignore)] public int? Limit { get; set; }
        [JsonProperty("cursor", NullValueHandling = NullValueHandling.Ignore)] public string Cursor { get; set; }
    }

    [Preserve]
    public class CreateAgentRequest
    {
        [JsonProperty("name")] public string Name { get; set; }
        [JsonProperty("description")] public string Description { get; set; } = "";
        [JsonProperty("tags")] public List<string> Tags { get; set; } = new List<string>();
        [JsonProperty("specializations")] public List<string> Specializations { get; set; } = new List<string>();
        [JsonProperty("games")] public List<string> Games { get; set; } = new List<string>();
        [JsonProperty("rank")] public string Rank { get; set; }
        [JsonProperty("type")] public string Type { get; set; }
        [JsonProperty("provider")] public string Provider { get; set; }
        [JsonProperty("hasVoiceChat")] public bool HasVoiceChat { get; set; }
        [JsonProperty("hasCommentator")] public bool HasCommentator { get; set; }
        [JsonProperty("pricing")] public Pricing Pricing { get; set; }
        [JsonProperty("actionsPerSecond", NullValueHandling = NullValueHandling.Ignore)] public int? ActionsPerSecond { get; set; }
        [JsonProperty("imageUrl", NullValueHandling = NullValueHandling.Ignore)] public string ImageUrl { get; set; }
        [JsonProperty("nationality", NullValueHandling = NullValueHandling.Ignore)] public string Nationality { get; set; }
    }

    /// <summary>The members to change (null: unchanged).</summary>
    [Preserve]
    public class UpdateAgentRequest
    {
        [JsonProperty("name", NullValueHandling = NullValueHandling.Ignore)] public string Name { get; set; }
        [JsonProperty("description", NullValueHandling = NullValueHandling.Ignore)] public string Description { get; set; }
        [JsonProperty("tags", NullValueHandling = NullValueHandling.Ignore)] public List<string> Tags { get; set; }
        [JsonProperty("specializations", NullValueHandling = NullValueHandling.Ignore)] public List<string> Specializations { get; set; }
        [JsonProperty("games", NullValueHandling = NullValueHandling.Ignore)] public List<string> Games { get; set; }
        [JsonProperty("rank", NullValueHandling = NullValueHandling.Ignore)] public string Rank { get; set; }
        [JsonProperty("type", NullValueHandling = NullValueHandling.Ignore)] public string Type { get; set; }
        [JsonProperty("provider", NullValueHandling = NullValueHandling.Ignore)] public string Provider { get; set; }
        [JsonProperty("hasVoiceChat", NullValueHandling = NullValueHandling.Ignore)] public bool? HasVoiceChat { get; set; }
        [JsonProperty("hasCommentator", NullValueHandling = NullValueHandling.Ignore)] public bool? HasCommentator { get; set; }
        [JsonProperty("pricing", NullValueHandling = NullValueHandling.Ignore)] public Pricing Pricing { get; set; }
        [JsonProperty("actionsPerSecond", NullValueHandling = NullValueHandling.Ignore)] public int? ActionsPerSecond { get; set; }
        [JsonProperty("imageUrl", NullValueHandling = NullValueHandling.Ignore)] public string ImageUrl { get; set; }
        [JsonProperty("nationality", NullValueHandling = NullValueHandling.Ignore)] public string Nationality { get; set; }
    }

    [Preserve]
    public class Review
    {
        [JsonProperty("id")] public string Id { get; set; }
        [JsonProperty("agentId")] public string AgentId { get; set; }
        [JsonProperty("sessionId")] public string SessionId { get; set; }
        [JsonProperty("author")] public OwnerSummary Author { get; set; }
        [JsonProperty("rating")] public int Rating { get; set; }
        [JsonProperty("text")] public string Text { get; set; }
        [JsonProperty("createdAt")] public System.DateTimeOffset CreatedAt { get; set; }
    }

    [Preserve]
    public class CreateReviewRequest
    {
        [JsonProperty("sessionId")] public string SessionId { get; set; }
        /// <summary>1 to 5.</summary>
        [JsonProperty("rating")] public int Rating { get; set; }
        [JsonProperty("text")] public string Text { get; set; } = "";
    }

    /// <summary>The members to change (null: unchanged).</summary>
    [Preserve]
    public class UpdateMeRequest
    {
        [JsonProperty("displayName", NullValueHandling = NullValueHandling.Ignore)] public string DisplayName { get; set; }
        [JsonProperty("preferences", NullValueHandling = NullValueHandling.Ignore)] public JToken Preferences { get; set; }
    }

    [Preserve]
    public class StreamTicket
    {
        [JsonProperty("ticket")] public string Ticket { get; set; }
        [JsonProperty("expiresIn")] public long ExpiresIn { get; set; }
    }

    [Preserve]
    public class CommandAccepted
    {
        [JsonProperty("commandId")] public string CommandId { get; set; }
    }

    [Preserve]
    internal class CommandRequest
    {
        [JsonProperty("commandId")] public string CommandId { get; set; }
        [JsonProperty("data")] public JToken Data { get; set; }
    }

    /// <summary>How <see cref="JigaClient.OpenSession"/> reads a session.</summary>
    [Preserve]
    public class SessionOptions
    {
        /// <summary>Deliver the events after this seq (0: from <c>session.started</c>).</summary>
        [JsonProperty("afterSeq")] public ulong AfterSeq { get; set; }
        /// <summary>The core's budget guard, or null for none.</summary>
        [JsonProperty("guard", NullValueHandling = NullValueHandling.Ignore)] public GuardSpec Guard { get; set; }
        /// <summary>When the guard's cap is reached, the library ends the session itself.</summary>
        [JsonProperty("endAtCap")] public bool EndAtCap { get; set; }
    }

    /// <summary>A budget guard: a cap on consumed DOF and fractions of the budget to warn at.</summary>
    [Preserve]
    public class GuardSpec
    {
        [JsonProperty("cap", NullValueHandling = NullValueHandling.Ignore)] public long? Cap { get; set; }
        /// <summary>Each in (0, 1].</summary>
        [JsonProperty("warnAt")] public List<double> WarnAt { get; set; } = new List<double>();
    }

    /// <summary>What the budget guard said (<see cref="SessionStream.GuardFired"/>).</summary>
    [Preserve]
    public class GuardEvent
    {
        /// <summary><c>warn</c> (a threshold was crossed) or <c>end</c> (the cap was reached).</summary>
        [JsonProperty("action")] public string Action { get; set; }
        /// <summary>The threshold crossed, for <c>warn</c>.</summary>
        [JsonProperty("fraction")] public double? Fraction { get; set; }
        /// <summary>DOF consumed when it fired.</summary>
        [JsonProperty("consumed")] public long Consumed { get; set; }
        /// <summary>With <see cref="SessionOptions.EndAtCap"/>, on <c>end</c>: the answer of the end the core sent, else null.</summary>
        [JsonProperty("ended")] public EndSessionResponse Ended { get; set; }
        /// <summary>With <see cref="SessionOptions.EndAtCap"/>, on <c>end</c>: why the core's end failed, else null.</summary>
        [JsonIgnore] public JigaException EndError { get; internal set; }
    }

    /// <summary>The stream's count against the settlement, at its end (<see cref="SessionStream.Reconciliation"/>).</summary>
    [Preserve]
    public class Reconciliation
    {
        [JsonProperty("consumed")] public long Consumed { get; set; }
        [JsonProperty("ownerEarnings")] public long OwnerEarnings { get; set; }
        [JsonProperty("platformFee")] public long PlatformFee { get; set; }
        [JsonProperty("released")] public long Released { get; set; }
        /// <summary>How many charges the stream counted.</summary>
        [JsonProperty("charges")] public long Charges { get; set; }
    }

    /// <summary>A session's DOF meter, the core's count of the stream's charges (amounts -1 while unknown).</summary>
    public struct DofMeter
    {
        public long Consumed;
        public long Remaining;
        public long Budget;
        public ulong Charges;
        public ulong LastSeq;
        public long RatePerMinute;
    }

    /// <summary>A stream's connection state.</summary>
    public enum StreamState
    {
        Connecting = 1,
        Live = 2,
        Reconnecting = 3,
        Ended = 4,
    }

    /// <summary>The caller's webhook (<see cref="JigaClient.WebhookAsync"/>): its URL, never its secret.</summary>
    [Preserve]
    public class Webhook
    {
        [JsonProperty("url")] public string Url { get; set; }
    }

    /// <summary>
    /// What <see cref="JigaClient.SetWebhookAsync"/> answers: the URL and the signing secret,
    /// shown this once (setting the webhook again rotates it). <see cref="Webhooks.Verify"/> checks
    /// deliveries with it; keep it as a secret.
    /// </summary>
    [Preserve]
    public class WebhookSecret
    {
        [JsonProperty("url")] public string Url { get; set; }
        [JsonProperty("secret")] public string Secret { get; set; }

        public override string ToString()
        {
            return "WebhookSecret(" + Url + ", secret redacted)";
        }
    }
}
