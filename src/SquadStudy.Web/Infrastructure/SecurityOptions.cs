namespace SquadStudy.Web.Infrastructure;

/// <summary>
/// Bound from <c>Security</c>: which reverse proxies are trusted, HTTPS enforcement, who may frame
/// an MTurk study's pages, and the per-client rate limits (docs/security.md, docs/deploy.md).
/// </summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>MTurk shows an ExternalQuestion in an iframe on its worker sites (production and sandbox).</summary>
    public static readonly IReadOnlyList<string> MturkOrigins = ["https://worker.mturk.com", "https://workersandbox.mturk.com"];

    /// <summary>
    /// Addresses of reverse proxies whose <c>X-Forwarded-For/-Proto/-Host</c> are believed, in
    /// addition to loopback (which the framework trusts by default: a proxy on the same machine).
    /// </summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks (CIDR, e.g. <c>172.18.0.0/16</c>) of trusted proxies, for a proxy in another container.</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>Redirect plain HTTP to HTTPS (off by default: behind a TLS proxy the proxy does it).</summary>
    public bool HttpsRedirection { get; set; }

    /// <summary>Send <c>Strict-Transport-Security</c> on HTTPS responses.</summary>
    public bool Hsts { get; set; }

    /// <summary>
    /// The origins allowed to frame an MTurk study's participant pages; null means MTurk's own
    /// (<see cref="MturkOrigins"/>). Not a default array: the configuration binder would append to it.
    /// </summary>
    public string[]? FramingOrigins { get; set; }

    public RateLimitSettings RateLimits { get; set; } = new();

    public IReadOnlyList<string> EffectiveFramingOrigins => FramingOrigins is { Length: > 0 } origins ? origins : MturkOrigins;
}

/// <summary>Per client address and minute; fixed windows (the framework's rate limiter).</summary>
public sealed class RateLimitSettings
{
    /// <summary>Sign-in attempts (POST /research/login) per client address and minute.</summary>
    public int LoginPerMinute { get; set; } = 10;

    /// <summary>Consent and decline posts (POST /s/{slug}) per client address and minute; a lab behind one NAT address needs room.</summary>
    public int EnrolmentPerMinute { get; set; } = 60;

    /// <summary>Sign-ins verified at once (each is one PBKDF2 verification); more wait in a short queue.</summary>
    public int ConcurrentSignIns { get; set; } = Math.Max(1, Environment.ProcessorCount);
}
