using System.IO.Pipelines;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Html;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SquadStudy.Web.Participation;
using SquadStudy.Web.Slices;

namespace SquadStudy.Web.Tests.Slices;

/// <summary>The participant slices (RazorSlices) as the question endpoint and the Razor Pages render them.</summary>
public sealed class ParticipantSlicesTests
{
    private static readonly SiteUrls Urls = new("/", "/bootstrap.css?v=1", "/site.css?v=1", "/bootstrap.js?v=1", "/js/question.js?v=1");

    /// <summary>The participant texts as the site resolves them (English unless a test sets the UI culture).</summary>
    internal static readonly IStringLocalizer<ParticipantText> Text = new StringLocalizer<ParticipantText>(
        new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions()), NullLoggerFactory.Instance));

    private static readonly AntiforgeryTokenSet Tokens = new("tok+/=", "cookie", "__RequestVerificationToken", null);

    private static QuestionFormModel Form(string prompt = "Which class? <i>", string label = "Cat & co") => new(
        new QuestionView(3, 10, "discrimination", prompt,
            [new QuestionImage("Model \"A\"", "/media/a.png")], [new QuestionOption("cat", label), new QuestionOption("dog", "Dog")]),
        "Pick one", "/s/x/q", Tokens, Urls.QuestionJs, Text);

    private static async Task<string> RenderAsync(RazorSlices.RazorSlice slice, HtmlEncoder? encoder = null)
    {
        var writer = new StringWriter();
        await slice.RenderAsync(writer, encoder);
        return writer.ToString();
    }

    /// <summary>Renders as the question endpoint does: into a pipe (the response's body writer), read back as UTF-8.</summary>
    private static async Task<string> RenderThroughPipeAsync(RazorSlices.RazorSlice slice, HtmlEncoder? encoder = null)
    {
        var pipe = new Pipe();
        await slice.RenderAsync(pipe.Writer, encoder);
        await pipe.Writer.FlushAsync();
        await pipe.Writer.CompleteAsync();
        var bytes = new MemoryStream();
        await pipe.Reader.CopyToAsync(bytes);
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    [Fact]
    public async Task QuestionForm_EncodesStudyText_AndCarriesPositionActionAndToken()
    {
        var html = await RenderAsync(QuestionForm.Create(Form()));

        html.ShouldContain("Question 4 of 10");
        html.ShouldContain("<legend class=\"h5 mb-3\" id=\"question-prompt\">Which class? &lt;i&gt;</legend>");
        html.ShouldContain("<form method=\"post\" action=\"/s/x/q\" id=\"question-form\">");
        html.ShouldContain("<input type=\"hidden\" name=\"Position\" value=\"3\" />");
        html.ShouldContain("<input name=\"__RequestVerificationToken\" type=\"hidden\" value=\"tok&#x2B;/=\" />");
        html.ShouldContain("alt=\"Model &quot;A&quot;, question 4 of 10\"");
        html.ShouldContain("Cat &amp; co");
        html.ShouldContain("style=\"width: 30%\"");
        html.ShouldContain("<div class=\"alert alert-danger\" role=\"alert\" id=\"choice-error\">Pick one</div>");
        html.ShouldContain("<div class=\"row g-2 mb-3 row-cols-1\">");
    }

    [Fact]
    public async Task QuestionForm_HasNoInlineScript_ItsKeyboardScriptIsAFile()
    {
        var document = new HtmlParser().ParseDocument(await RenderAsync(QuestionForm.Create(Form())));

        document.QuerySelectorAll("script").Select(s => (s.GetAttribute("src"), s.TextContent.Trim())).ShouldBe([("/js/question.js?v=1", "")]);
        document.All.SelectMany(e => e.Attributes).ShouldNotContain(a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task NonAsciiText_ThroughThePipe_IsTheSameText_EncodedOrNot()
    {
        // Longer than a pipe segment, with surrogate pairs and two-byte characters throughout.
        var text = string.Concat(Enumerable.Range(0, 5000).Select(i => i % 7 == 0 ? "🐱" : i % 5 == 0 ? "é" : "x"));
        var model = Form(prompt: text, label: "Zoë 🐱 ok");

        foreach (var encoder in new[] { HtmlEncoder.Default, HtmlEncoder.Create(UnicodeRanges.All) })
        {
            var document = new HtmlParser().ParseDocument(await RenderThroughPipeAsync(QuestionForm.Create(model), encoder));
            document.QuerySelector("#question-prompt")!.TextContent.ShouldBe(text);
            document.QuerySelector("label[for=choice-0]")!.TextContent.ShouldEndWith("Zoë 🐱 ok");
        }
        // With every range allowed, the BMP characters are written as UTF-8, not as references
        // (System.Text.Encodings.Web always references characters outside the BMP).
        (await RenderThroughPipeAsync(QuestionForm.Create(model), HtmlEncoder.Create(UnicodeRanges.All))).ShouldContain("Zoë &#x1F431; ok");
    }

    [Fact]
    public async Task QuestionPage_IsTheParticipantDocument_WithThePageInsideMain()
    {
        var document = new ParticipantDocumentModel("Study <1>", "/s/x/withdraw", Urls, Text);
        var page = new HtmlParser().ParseDocument(await RenderThroughPipeAsync(QuestionPage.Create(new QuestionPageModel(document, Message: "Closed & gone"))));
        var razorPage = new HtmlParser().ParseDocument(await RenderAsync(ParticipantDocument.Create(document with { Body = new HtmlString("<p>body</p>") })));

        page.Title.ShouldBe("Study <1> · SquadStudy");
        page.Head!.OuterHtml.ShouldBe(razorPage.Head!.OuterHtml);
        page.QuerySelector("header")!.OuterHtml.ShouldBe(razorPage.QuerySelector("header")!.OuterHtml);
        page.QuerySelector("footer")!.OuterHtml.ShouldBe(razorPage.QuerySelector("footer")!.OuterHtml);
        page.QuerySelector("main > .alert")!.TextContent.ShouldBe("Closed & gone");
        razorPage.QuerySelector("main > p")!.TextContent.ShouldBe("body");
        page.QuerySelector("footer a")!.GetAttribute("href").ShouldBe("/s/x/withdraw");
    }

    [Fact]
    public async Task ResumeChoice_PostsToItsAction_WithItsToken()
    {
        var document = new ParticipantDocumentModel("S", "/s/x/withdraw", Urls, Text);
        var page = new HtmlParser().ParseDocument(await RenderAsync(QuestionPage.Create(
            new QuestionPageModel(document, Resume: new ResumeChoice("/s/x/q?handler=Resume", "/s/x/withdraw", Tokens)))));

        var form = page.QuerySelector("main form[method=post]")!;
        form.GetAttribute("action").ShouldBe("/s/x/q?handler=Resume");
        form.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value").ShouldBe("tok+/=");
        page.QuerySelector("#question-form").ShouldBeNull();
    }
}
