using System.Net;
using System.Text.RegularExpressions;

namespace SquadStudy.LoadTest;

/// <summary>A question page as read from the HTML: what the next POST needs.</summary>
public readonly record struct QuestionForm(int Position, string[] Options, string Antiforgery, string Shown);

/// <summary>
/// One simulated participant: its own cookie container, enrols through the consent form and answers
/// as fast as the server lets it. Pages are read with regular expressions (not a DOM parser) so
/// that the load generator, on the same cores as the server, stays cheap.
/// </summary>
public sealed partial class SimulatedParticipant : IDisposable
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("<input type=\"hidden\" name=\"Position\" value=\"(\\d+)\"")]
    private static partial Regex PositionField();

    [GeneratedRegex("name=\"Choice\" id=\"[^\"]+\" value=\"([^\"]*)\"")]
    private static partial Regex ChoiceField();

    /// <summary>The signed time the question was shown (the site's ShownStamps), posted back with the answer.</summary>
    [GeneratedRegex("<input type=\"hidden\" name=\"Shown\" value=\"([^\"]+)\"")]
    private static partial Regex ShownField();

    private readonly HttpClient client;
    private readonly CookieContainer cookies = new();
    private readonly Uri baseUri;
    private readonly string slug;

    /// <param name="sites">The site's base URLs; with several (instances without a balancer), the
    /// participant's requests go to them in turn, as a round-robin load balancer would send them.</param>
    public SimulatedParticipant(IReadOnlyList<Uri> sites, string slug)
    {
        baseUri = sites[0];
        this.slug = slug;
        HttpMessageHandler handler = new SocketsHttpHandler
        {
            CookieContainer = cookies,
            UseCookies = true,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        };
        if (sites.Count > 1)
        {
            handler = new RoundRobin(sites) { InnerHandler = handler };
        }
        client = new HttpClient(handler) { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(120) };
        // What a browser sends with a form posted by a page of the same origin (Fetch Metadata);
        // the question page's POST reads it. The token is sent as well.
        client.DefaultRequestHeaders.Add("Sec-Fetch-Site", "same-origin");
    }

    /// <summary>
    /// Sends each request to the next site, as a round-robin balancer. Cookies are per host, not
    /// per port, so the one cookie container serves every instance on 127.0.0.1. A site that refuses
    /// the connection (its process is gone) is passed over for the next one, as nginx's
    /// <c>proxy_next_upstream error</c> does: a refused connection carried no request, so even a
    /// POST is safe to send elsewhere.
    /// </summary>
    private sealed class RoundRobin(IReadOnlyList<Uri> sites) : DelegatingHandler
    {
        private int _next = -1;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            for (var tried = 1; ; tried++)
            {
                var site = sites[(int)((uint)Interlocked.Increment(ref _next) % sites.Count)];
                request.RequestUri = new UriBuilder(request.RequestUri!) { Scheme = site.Scheme, Host = site.Host, Port = site.Port }.Uri;
                try
                {
                    return await base.SendAsync(request, cancellationToken);
                }
                catch (HttpRequestException e) when (tried < sites.Count
                    && e.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused })
                {
                }
            }
        }
    }

    public string QuestionPath => $"/s/{slug}/q";

    /// <summary>The participant token the site set, once enrolled.</summary>
    public string? Token => cookies.GetCookies(new Uri(baseUri, QuestionPath))[$"ss.p.{slug}"]?.Value;

    public void UseToken(string token) => cookies.Add(new Cookie($"ss.p.{slug}", token, $"/s/{slug}", baseUri.Host));

    public async Task EnrolAsync(CancellationToken cancellationToken)
    {
        var landing = await client.GetStringAsync($"/s/{slug}", cancellationToken);
        var token = AntiforgeryField().Match(landing);
        if (!token.Success)
        {
            throw new InvalidOperationException("The study link shows no consent form (is the study open?).");
        }
        using var response = await client.PostAsync($"/s/{slug}", new FormUrlEncodedContent(
        [
            new("Input.Adult", "true"), new("Input.Agree", "true"), new("Input.UnderstandWithdrawal", "true"),
            new("__RequestVerificationToken", token.Groups[1].Value),
        ]), cancellationToken);
        if (response.StatusCode != HttpStatusCode.Redirect || Token is null)
        {
            throw new InvalidOperationException($"Consent was not accepted: HTTP {(int)response.StatusCode}.");
        }
    }

    /// <summary>GETs a participant page; the question form, or null with the redirect target when there is none.</summary>
    public async Task<(QuestionForm? Form, string? Location)> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(path, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Redirect)
        {
            return (null, response.Headers.Location?.OriginalString);
        }
        response.EnsureSuccessStatusCode();
        var html = await response.Content.ReadAsStringAsync(cancellationToken);
        var position = PositionField().Match(html);
        if (!position.Success)
        {
            return (null, path);
        }
        var options = ChoiceField().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToArray();
        return (new QuestionForm(int.Parse(position.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), options,
            AntiforgeryField().Match(html).Groups[1].Value, ShownField().Match(html).Groups[1].Value), null);
    }

    /// <summary>POSTs an answer; returns the redirect target when the server acknowledged it with a 302.</summary>
    public async Task<string?> AnswerAsync(QuestionForm form, string choice, CancellationToken cancellationToken)
    {
        using var response = await client.PostAsync(QuestionPath, new FormUrlEncodedContent(
        [
            new("Position", form.Position.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("Choice", choice),
            new("__RequestVerificationToken", form.Antiforgery),
            new("Shown", form.Shown),
        ]), cancellationToken);
        return response.StatusCode == HttpStatusCode.Redirect ? response.Headers.Location?.OriginalString : null;
    }

    public void Dispose() => client.Dispose();
}
