namespace SquadStudy.Web.Participation;

/// <summary>
/// The participant's token travels in an HttpOnly cookie scoped to the study's path
/// (<c>/s/{slug}</c>), not in the URL: it never appears in the browser's history, in a Referer
/// header or in a screenshot shared with the recruiter.
/// </summary>
public static class ParticipantCookie
{
    public static string Name(string slug) => $"ss.p.{slug}";

    public static string? Read(HttpRequest request, string slug) => request.Cookies[Name(slug)];

    /// <summary>How long a finished session stays on the device: long enough to note the codes, short enough that the next person at a shared computer does not see them.</summary>
    public static readonly TimeSpan AfterCompletion = TimeSpan.FromMinutes(30);

    private static string FinishedName(string slug) => $"ss.f.{slug}";

    public static void Write(HttpResponse response, string slug, string token) =>
        response.Cookies.Append(Name(slug), token, Options(response, slug, maxAge: TimeSpan.FromDays(30), expires: null));

    /// <summary>
    /// Once, on the first view of the completion page: the session cookie (and a marker beside it)
    /// now expires <see cref="AfterCompletion"/> from then; later views do not extend it.
    /// </summary>
    public static void ShortenAfterCompletion(HttpContext context, string slug, string token, DateTimeOffset now)
    {
        if (context.Request.Cookies.ContainsKey(FinishedName(slug)))
        {
            return;
        }
        var expires = now + AfterCompletion;
        context.Response.Cookies.Append(Name(slug), token, Options(context.Response, slug, maxAge: null, expires));
        context.Response.Cookies.Append(FinishedName(slug), "1", Options(context.Response, slug, maxAge: null, expires));
    }

    private static CookieOptions Options(HttpResponse response, string slug, TimeSpan? maxAge, DateTimeOffset? expires) => new()
    {
        Path = $"/s/{slug}",
        HttpOnly = true,
        SameSite = SameSiteMode.Lax,
        Secure = response.HttpContext.Request.IsHttps,
        IsEssential = true,
        MaxAge = maxAge,
        Expires = expires,
    };

    public static void Delete(HttpResponse response, string slug) =>
        response.Cookies.Delete(Name(slug), new CookieOptions { Path = $"/s/{slug}" });
}
