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

    public static void Write(HttpResponse response, string slug, string token) =>
        response.Cookies.Append(Name(slug), token, new CookieOptions
        {
            Path = $"/s/{slug}",
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = response.HttpContext.Request.IsHttps,
            IsEssential = true,
            MaxAge = TimeSpan.FromDays(30),
        });

    public static void Delete(HttpResponse response, string slug) =>
        response.Cookies.Delete(Name(slug), new CookieOptions { Path = $"/s/{slug}" });
}
