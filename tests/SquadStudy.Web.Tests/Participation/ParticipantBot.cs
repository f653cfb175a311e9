using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace SquadStudy.Web.Tests.Participation;

/// <summary>A question page as the bot read it: the form's position, options, antiforgery token and signed shown time.</summary>
public sealed record QuestionPage(int Position, IReadOnlyList<string> Options, IReadOnlyList<string> ImageUrls, string Prompt, string AntiforgeryToken, string? ShownStamp, IDocument Document);

/// <summary>
/// Drives the participant pages as a browser would: GETs pages, reads forms (AngleSharp), POSTs them
/// with their antiforgery token, and reports redirects without following them.
/// </summary>
public sealed class ParticipantBot(HttpClient client, string slug)
{
    private static readonly HtmlParser Parser = new();

    public HttpClient Client { get; } = client;
    public string Slug { get; } = slug;
    public string QuestionUrl => $"/s/{Slug}/q";

    public static async Task<IDocument> ParseAsync(HttpResponseMessage response) =>
        await Parser.ParseDocumentAsync(await response.Content.ReadAsStringAsync());

    public async Task<(HttpResponseMessage Response, IDocument Document)> GetAsync(string url)
    {
        var response = await Client.GetAsync(url);
        return (response, await ParseAsync(response));
    }

    public static string Token(IDocument document, string? formSelector = null)
    {
        var form = formSelector is null ? document.QuerySelector("form[method=post]") : document.QuerySelector(formSelector);
        return form?.QuerySelector("input[name=__RequestVerificationToken]")?.GetAttribute("value")
            ?? throw new InvalidOperationException("The page has no antiforgery token:\n" + document.Body?.TextContent);
    }

    public Task<HttpResponseMessage> PostAsync(string url, IEnumerable<KeyValuePair<string, string>> fields) =>
        Client.PostAsync(url, new FormUrlEncodedContent(fields));

    /// <summary>Opens the study link and consents; returns the consent POST's response (302 to the instructions when enrolled).</summary>
    public async Task<HttpResponseMessage> EnrolAsync(string query = "") => await ConsentAsync(await OpenConsentFormAsync(query));

    /// <summary>Opens the study link; the consent form (which must be shown: nobody with this id enrolled yet).</summary>
    public async Task<IHtmlFormElement> OpenConsentFormAsync(string query = "")
    {
        var (landing, document) = await GetAsync($"/s/{Slug}{query}");
        landing.StatusCode.ShouldBe(HttpStatusCode.OK, document.Body?.TextContent);
        return (IHtmlFormElement)document.QuerySelector("form[method=post]")!;
    }

    /// <summary>Submits a consent form from <see cref="OpenConsentFormAsync"/> with every box ticked.</summary>
    public async Task<HttpResponseMessage> ConsentAsync(IHtmlFormElement form)
    {
        var document = form.Owner!;
        return await PostAsync(form.GetAttribute("action")!,
        [
            new("Input.Adult", "true"),
            new("Input.Agree", "true"),
            new("Input.UnderstandWithdrawal", "true"),
            new("__RequestVerificationToken", Token(document)),
        ]);
    }

    /// <summary>GETs the current question; null (with the redirect) when there is none to answer.</summary>
    public async Task<(QuestionPage? Page, HttpResponseMessage Response)> GetQuestionAsync()
    {
        var response = await Client.GetAsync(QuestionUrl);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (null, response);
        }
        return (Read(await ParseAsync(response)), response);
    }

    public static QuestionPage Read(IDocument document)
    {
        var form = document.QuerySelector("#question-form") ?? throw new InvalidOperationException("No question form:\n" + document.Body?.TextContent);
        var position = int.Parse(form.QuerySelector("input[name=Position]")!.GetAttribute("value")!, System.Globalization.CultureInfo.InvariantCulture);
        var options = form.QuerySelectorAll("input[name=Choice]").Select(i => i.GetAttribute("value")!).ToList();
        var images = document.QuerySelectorAll("img.question-image").Select(i => i.GetAttribute("src")!).ToList();
        return new QuestionPage(position, options, images, form.QuerySelector("legend")!.TextContent.Trim(), Token(document, "#question-form"),
            form.QuerySelector("input[name=Shown]")?.GetAttribute("value"), document);
    }

    public Task<HttpResponseMessage> AnswerAsync(QuestionPage page, string choice, int? position = null, string? token = null) =>
        PostAsync(QuestionUrl, AnswerFields(page, choice, position, token));

    /// <summary>The question form's fields as a browser posts them (the page's own, unless overridden).</summary>
    public static List<KeyValuePair<string, string>> AnswerFields(QuestionPage page, string? choice, int? position = null, string? token = null)
    {
        List<KeyValuePair<string, string>> fields =
        [
            new("Position", (position ?? page.Position).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("__RequestVerificationToken", token ?? page.AntiforgeryToken),
        ];
        if (choice is not null)
        {
            fields.Add(new("Choice", choice));
        }
        if (page.ShownStamp is not null)
        {
            fields.Add(new("Shown", page.ShownStamp));
        }
        return fields;
    }

    /// <summary>Answers every question with a random option; returns the (position, choice) pairs acknowledged by a redirect.</summary>
    public async Task<List<(int Position, string Choice)>> WalkToEndAsync(Random random)
    {
        var acknowledged = new List<(int, string)>();
        while (true)
        {
            var (page, response) = await GetQuestionAsync();
            if (page is null)
            {
                response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
                response.Headers.Location!.OriginalString.ShouldEndWith("/done");
                return acknowledged;
            }
            var choice = page.Options[random.Next(page.Options.Count)];
            var answer = await AnswerAsync(page, choice);
            answer.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            acknowledged.Add((page.Position, choice));
        }
    }
}
