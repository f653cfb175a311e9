using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.CookiePolicy;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Infrastructure;

/// <summary>
/// The site behind a TLS proxy and on the open internet: forwarded headers from trusted proxies
/// only, optional HTTPS redirection and HSTS, Secure cookies on HTTPS, a Content-Security-Policy
/// on every response, framing only where MTurk needs it, and per-client rate limits on sign-in and
/// enrolment. docs/security.md says what each protects and costs.
/// </summary>
public static class SecurityExtensions
{
    /// <summary>Set on a request for a participant page of an MTurk study: MTurk may frame it, its cookies are SameSite=None.</summary>
    private const string FramedStudyKey = "squadstudy.framed-study";

    public static WebApplicationBuilder AddSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.Section);
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<SecurityOptions>>((forwarded, security) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            // The framework's defaults (loopback) stay; configured proxies and networks are added.
            foreach (var proxy in security.Value.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }
            foreach (var network in security.Value.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        builder.Services.AddOptions<CookiePolicyOptions>().Configure(cookies =>
        {
            cookies.Secure = CookieSecurePolicy.SameAsRequest;
            cookies.OnAppendCookie = context => FrameCookie(context.Context, context.CookieOptions);
            cookies.OnDeleteCookie = context => FrameCookie(context.Context, context.CookieOptions);
        });
        // frame-ancestors (below) replaces X-Frame-Options, which cannot name MTurk's two origins.
        builder.Services.AddAntiforgery(options => options.SuppressXFrameOptionsHeader = true);
        builder.Services.AddHsts(options => options.MaxAge = TimeSpan.FromDays(365));
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<SecurityOptions>>((limiter, security) =>
        {
            var limits = security.Value.RateLimits;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, _) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                }
                return ValueTask.CompletedTask;
            };
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(PerClient(limits), SignInConcurrency(limits));
        });
        return builder;
    }

    /// <summary>In pipeline order: before static files, routing and everything that writes cookies or redirects.</summary>
    public static WebApplication UseSecurity(this WebApplication app)
    {
        var security = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        app.UseForwardedHeaders();
        if (security.Hsts)
        {
            app.UseHsts();
        }
        if (security.HttpsRedirection)
        {
            app.UseHttpsRedirection();
        }
        var notFramable = ContentSecurityPolicy("'none'");
        var framedByMturk = ContentSecurityPolicy(string.Join(' ', security.EffectiveFramingOrigins));
        app.Use(async (context, next) =>
        {
            var framed = await IsMturkStudyPageAsync(context);
            if (framed)
            {
                context.Items[FramedStudyKey] = true;
            }
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = framed ? framedByMturk : notFramable;
            headers.XContentTypeOptions = "nosniff";
            // Study links carry recruiter ids in their query: never send them to another site.
            headers["Referrer-Policy"] = "same-origin";
            await next(context);
        });
        app.UseCookiePolicy();
        return app;
    }

    /// <summary>
    /// Scripts and everything else from this site only, no inline script (study text cannot run
    /// script even if it got past the Markdown sanitiser); inline style attributes are allowed for
    /// progress bars and gallery boxes. Images may be data: URLs (Bootstrap's form icons).
    /// </summary>
    public static string ContentSecurityPolicy(string frameAncestors) =>
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
        + $"frame-ancestors {frameAncestors}";

    /// <summary>A participant page (<c>/s/{slug}/…</c>) of a study whose completion goes back to MTurk.</summary>
    private static async Task<bool> IsMturkStudyPageAsync(HttpContext context)
    {
        var path = context.Request.Path.Value;
        if (path is null || !path.StartsWith("/s/", StringComparison.Ordinal))
        {
            return false;
        }
        var rest = path.AsSpan(3);
        var slash = rest.IndexOf('/');
        var slug = (slash < 0 ? rest : rest[..slash]).ToString();
        if (slug.Length is 0 or > 40)
        {
            return false;
        }
        var study = await context.RequestServices.GetRequiredService<ParticipationService>().FindStudyAsync(slug);
        return study?.Redirect == "mturk";
    }

    /// <summary>
    /// Inside MTurk's iframe the site is third-party: its cookies must be SameSite=None (which
    /// browsers accept only with Secure), and Partitioned (CHIPS): kept per top-level site, they
    /// are accepted where third-party cookies are blocked (Chromium's incognito default, Firefox,
    /// Safari), and the session lives exactly where the HIT does, in MTurk's page.
    /// </summary>
    private static void FrameCookie(HttpContext context, CookieOptions options)
    {
        if (context.Items.ContainsKey(FramedStudyKey) && context.Request.IsHttps)
        {
            options.SameSite = SameSiteMode.None;
            options.Secure = true;
            if (!options.Extensions.Contains(PartitionedAttribute))
            {
                options.Extensions.Add(PartitionedAttribute);
            }
        }
    }

    private const string PartitionedAttribute = "Partitioned";

    private static PartitionedRateLimiter<HttpContext> PerClient(RateLimitSettings limits) =>
        PartitionedRateLimiter.Create<HttpContext, (string Kind, string Client)>(context =>
        {
            var (kind, permits) = Classify(context.Request) switch
            {
                Limited.SignIn => ("sign-in", limits.LoginPerMinute),
                Limited.Enrolment => ("enrolment", limits.EnrolmentPerMinute),
                _ => ("", 0),
            };
            if (permits == 0)
            {
                return RateLimitPartition.GetNoLimiter(("", ""));
            }
            // After the forwarded-headers middleware: the client's address, not the proxy's.
            var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            return RateLimitPartition.GetFixedWindowLimiter((kind, client), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = permits,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            });
        });

    /// <summary>Each sign-in costs one PBKDF2 verification: a bounded number run at once, whoever sends them.</summary>
    private static PartitionedRateLimiter<HttpContext> SignInConcurrency(RateLimitSettings limits) =>
        PartitionedRateLimiter.Create<HttpContext, string>(context => Classify(context.Request) == Limited.SignIn
            ? RateLimitPartition.GetConcurrencyLimiter("sign-in", _ => new ConcurrencyLimiterOptions
            {
                PermitLimit = limits.ConcurrentSignIns,
                QueueLimit = 4 * limits.ConcurrentSignIns,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            })
            : RateLimitPartition.GetNoLimiter(""));

    private enum Limited { None, SignIn, Enrolment }

    private static Limited Classify(HttpRequest request)
    {
        if (!HttpMethods.IsPost(request.Method))
        {
            return Limited.None;
        }
        var path = request.Path.Value ?? "";
        if (path.Equals("/research/login", StringComparison.OrdinalIgnoreCase))
        {
            return Limited.SignIn;
        }
        // The consent form (and its decline button) posts to the study link itself, /s/{slug}.
        var trimmed = path.TrimEnd('/');
        return trimmed.StartsWith("/s/", StringComparison.Ordinal) && trimmed.IndexOf('/', 3) < 0 ? Limited.Enrolment : Limited.None;
    }
}
