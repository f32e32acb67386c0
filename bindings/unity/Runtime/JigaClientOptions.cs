using Newtonsoft.Json.Linq;

namespace Jiga
{
    /// <summary>How a <see cref="JigaClient"/> reaches the store (jiga_client_new's options).</summary>
    public sealed class JigaClientOptions
    {
        /// <summary>The store's base URL, e.g. <c>https://store.example</c> or <c>http://127.0.0.1:3000</c>. Required.</summary>
        public string BaseUrl { get; set; }
        /// <summary>Per-request timeout in milliseconds (the core's default when null).</summary>
        public long? TimeoutMs { get; set; }
        /// <summary>Connect timeout in milliseconds.</summary>
        public long? ConnectTimeoutMs { get; set; }
        /// <summary>The core's retry policy: attempts (1 turns retries off).</summary>
        public int? RetryMaxAttempts { get; set; }
        public long? RetryInitialBackoffMs { get; set; }
        public long? RetryMaxBackoffMs { get; set; }
        public long? RetryBudgetMs { get; set; }
        /// <summary>What <see cref="JigaClient.SaveTokens"/> returned, to start signed in. Holds secrets.</summary>
        public string Tokens { get; set; }
        /// <summary>How many completions and events wait for <see cref="JigaClient.Pump"/> (1–65536, default 1024).</summary>
        public int? QueueCapacity { get; set; }
#if UNITY_5_3_OR_NEWER
        /// <summary>Whether the <c>JigaDispatcher</c> pumps this client each frame (default true).</summary>
        public bool AutoPump { get; set; } = true;
#endif

        internal string ToJson()
        {
            var o = new JObject();
            o["baseUrl"] = BaseUrl;
            if (TimeoutMs.HasValue) o["timeoutMs"] = TimeoutMs.Value;
            if (ConnectTimeoutMs.HasValue) o["connectTimeoutMs"] = ConnectTimeoutMs.Value;
            var retry = new JObject();
            if (RetryMaxAttempts.HasValue) retry["maxAttempts"] = RetryMaxAttempts.Value;
            if (RetryInitialBackoffMs.HasValue) retry["initialBackoffMs"] = RetryInitialBackoffMs.Value;
            if (RetryMaxBackoffMs.HasValue) retry["maxBackoffMs"] = RetryMaxBackoffMs.Value;
            if (RetryBudgetMs.HasValue) retry["budgetMs"] = RetryBudgetMs.Value;
            if (retry.Count > 0) o["retry"] = retry;
            if (!string.IsNullOrEmpty(Tokens)) o["tokens"] = JToken.Parse(Tokens);
            if (QueueCapacity.HasValue) o["queueCapacity"] = QueueCapacity.Value;
            return o.ToString(Newtonsoft.Json.Formatting.None);
        }
    }
}
