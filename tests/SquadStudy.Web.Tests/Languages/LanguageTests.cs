using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;
using SquadStudy.Web.Participation;
using SquadStudy.Web.Tests.Participation;

namespace SquadStudy.Web.Tests.Languages;

/// <summary>The participant pages in English and German: the choice, its persistence, the pack's own translations, the html lang.</summary>
public sealed partial class LanguageTests(SquadStudyWebFactory factory) : ParticipationTestBase(factory), IClassFixture<SquadStudyWebFactory>
{
    private const string CultureCookie = ".AspNetCore.Culture";

    [Fact]
    public async Task AcceptLanguage_AustrianGerman_GivesGermanPages_WithHtmlLang_AndTheStudysOwnConsentMarkedEnglish()
    {
        var study = await AddStudyAsync();
        var client = Factory.CreateParticipantClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("de-AT");
        var response = await client.GetAsync($"/s/{study.Slug}");
        var document = await ParticipantBot.ParseAsync(response);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        document.DocumentElement.GetAttribute("lang").ShouldBe("de");
        document.QuerySelector("#consent-heading")!.TextContent.ShouldBe("Information und Einwilligung");
        document.QuerySelector("label[for=Input_Adult]")!.TextContent.ShouldBe("Ich bin 18 Jahre oder älter.");
        // The study has no German consent: its English text is shown, marked as English.
        var consent = document.QuerySelector("section[aria-labelledby=consent-heading] div[lang]")!;
        consent.GetAttribute("lang").ShouldBe("en");
        consent.TextContent.ShouldContain("You will rate");
        // The browser's language is not a choice to remember: no cookie.
        (response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : []).ShouldNotContain(c => c.StartsWith(CultureCookie + "=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoLanguageChosen_GivesEnglish()
    {
        var study = await AddStudyAsync();
        var client = Factory.CreateParticipantClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr-FR, ja;q=0.8");
        var document = await ParticipantBot.ParseAsync(await client.GetAsync($"/s/{study.Slug}?lang=xx"));

        document.DocumentElement.GetAttribute("lang").ShouldBe("en");
        document.QuerySelector("#consent-heading")!.TextContent.ShouldBe("Information and consent");
    }

    [Fact]
    public async Task LangParameter_AmongProlificsIds_SticksForTheWholeSession_AndAnswersStoreTheSameValues()
    {
        var study = await AddStudyAsync();
        var bot = new ParticipantBot(Factory.CreateParticipantClient(), study.Slug);
        var (landing, document) = await bot.GetAsync($"/s/{study.Slug}?PROLIFIC_PID=pid42&lang=de&STUDY_ID=st1&SESSION_ID=se1");

        landing.StatusCode.ShouldBe(HttpStatusCode.OK);
        document.DocumentElement.GetAttribute("lang").ShouldBe("de");
        landing.Headers.GetValues("Set-Cookie").ShouldContain(c => c.StartsWith(CultureCookie + "=", StringComparison.Ordinal) && c.Contains("uic%3Dde", StringComparison.Ordinal));
        var form = (AngleSharp.Html.Dom.IHtmlFormElement)document.QuerySelector("form[method=post]")!;
        var action = form.GetAttribute("action")!;
        action.ShouldContain("lang=de");
        action.ShouldContain("PROLIFIC_PID=pid42");
        action.ShouldContain("SESSION_ID=se1");

        var consent = await bot.ConsentAsync(form);
        consent.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        // From here on no page carries lang: the cookie keeps the choice.
        var (_, instructions) = await bot.GetAsync(consent.Headers.Location!.OriginalString);
        instructions.DocumentElement.GetAttribute("lang").ShouldBe("de");
        instructions.QuerySelector("main a.btn")!.TextContent.ShouldBe("Beginnen");
        instructions.QuerySelector(".study-instructions")!.GetAttribute("lang").ShouldBe("en");

        var (question, _) = await bot.GetQuestionAsync();
        question!.Document.DocumentElement.GetAttribute("lang").ShouldBe("de");
        question.Prompt.ShouldBe("Welche der beiden Objektkategorien ist abgebildet?");
        question.Document.QuerySelector("#question-form button[type=submit]")!.TextContent.ShouldBe("Weiter");
        question.Document.QuerySelector("footer")!.TextContent.ShouldContain("Teilnahme an dieser Studie widerrufen");

        var answered = await bot.WalkToEndAsync(new Random(5));
        var (done, page) = await bot.GetAsync($"/s/{study.Slug}/done");
        done.StatusCode.ShouldBe(HttpStatusCode.OK);
        page.DocumentElement.GetAttribute("lang").ShouldBe("de");
        page.QuerySelector("main dt")!.TextContent.ShouldBe("Abschlusscode");
        var (pid, stored) = await Factory.WithDbAsync(async db =>
        {
            var participant = await db.Participants.AsNoTracking().SingleAsync(p => p.StudyId == study.Id);
            return (participant.ProlificPid, await db.Answers.AsNoTracking().Where(a => a.ParticipantId == participant.Id).Select(a => a.Choice).ToListAsync());
        });
        pid.ShouldBe("pid42");
        stored.Count.ShouldBe(answered.Count);
        // The values posted from the German page are the language-neutral ones.
        stored.ShouldBe(answered.OrderBy(a => a.Position).Select(a => a.Choice).ToList(), ignoreOrder: true);
        stored.ShouldAllBe(c => c == "A" || c == "B" || c == "same" || c == "Neither" || c == "Agree" || c == "Disagree" || c == "Not sure" || Regex.IsMatch(c, "^-?[0-9]$"));
    }

    [Fact]
    public async Task TrustQuestion_InGerman_TranslatesCaptionsAndOptions_ButNotTheirValues()
    {
        var trustOnly = await AddStudyAsync(b => new TestStudyBuilder { Slug = b.Slug, DiscriminationQuestions = 0, ComparisonQuestions = 0, AttentionChecks = [] });
        var bot = await EnrolledBotAsync(trustOnly, "?lang=de");
        var (page, _) = await bot.GetQuestionAsync();

        page!.Prompt.ShouldBe("Welches Modell wirkt zuverlässiger?");
        page.Options.ShouldBe(["2", "1", "0", "-1", "-2"]);
        // Each label: its number key (aria-hidden), then the text.
        page.Document.QuerySelector("#question-form label[for=choice-0]")!.TextContent.Trim().ShouldBe("1Modell A ist deutlich zuverlässiger");
        page.Document.QuerySelectorAll("figcaption").Select(f => f.TextContent).ShouldBe(["Modell A", "Modell B"]);
        page.Document.QuerySelectorAll("img.question-image").Select(i => i.GetAttribute("alt")).ShouldBe(["Modell A, Frage 1 von 3", "Modell B, Frage 1 von 3"]);
    }

    [Fact]
    public async Task PacksGermanConsent_IsShownToGermanParticipants_AndItsMissingInstructionsFallBackToEnglish()
    {
        var study = await AddStudyAsync(b => new TestStudyBuilder
        {
            Slug = b.Slug,
            Texts = [new StudyText { Language = "de", ConsentMarkdown = "# Einwilligung\n\nSie bewerten **Erklärungen**." }],
        });
        var bot = new ParticipantBot(Factory.CreateParticipantClient(), study.Slug);
        var (_, german) = await bot.GetAsync($"/s/{study.Slug}?lang=de");
        var consent = german.QuerySelector("section[aria-labelledby=consent-heading] div[lang]")!;
        consent.GetAttribute("lang").ShouldBe("de");
        consent.QuerySelector("strong")!.TextContent.ShouldBe("Erklärungen");
        consent.TextContent.ShouldNotContain("You will rate");

        var (_, english) = await bot.GetAsync($"/s/{study.Slug}?lang=en");
        english.QuerySelector("section[aria-labelledby=consent-heading] div[lang]")!.TextContent.ShouldContain("You will rate");

        var enrolled = await bot.ConsentAsync((AngleSharp.Html.Dom.IHtmlFormElement)(await bot.GetAsync($"/s/{study.Slug}?lang=de")).Document.QuerySelector("form[method=post]")!);
        var (_, instructions) = await bot.GetAsync(enrolled.Headers.Location!.OriginalString);
        var text = instructions.QuerySelector(".study-instructions")!;
        text.GetAttribute("lang").ShouldBe("en");
        text.TextContent.ShouldContain("Look at each picture");
    }

    [Fact]
    public async Task Consent_WithoutCheckboxes_InGerman_ShowsGermanValidationMessages()
    {
        var study = await AddStudyAsync();
        var bot = new ParticipantBot(Factory.CreateParticipantClient(), study.Slug);
        var (_, document) = await bot.GetAsync($"/s/{study.Slug}?lang=de");
        var response = await bot.PostAsync($"/s/{study.Slug}?lang=de", [new("Input.Adult", "true"), new("__RequestVerificationToken", ParticipantBot.Token(document))]);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = (await ParticipantBot.ParseAsync(response)).Body!.TextContent;
        body.ShouldContain("Bitte bestätigen Sie, dass Sie die obigen Informationen gelesen haben und ihnen zustimmen.");
        body.ShouldNotContain("Please confirm");
    }

    [Fact]
    public async Task WithdrawalByCode_InGerman_ErrorAndLabelAreGerman()
    {
        var bot = new ParticipantBot(Factory.CreateParticipantClient(), "unused");
        var (_, form) = await bot.GetAsync("/withdraw?lang=de");
        form.QuerySelector("label[for=Code]")!.TextContent.ShouldBe("Widerrufscode");
        var response = await bot.PostAsync("/withdraw", [new("Code", "AAAAA-BBBBB"), new("__RequestVerificationToken", ParticipantBot.Token(form))]);
        var page = await ParticipantBot.ParseAsync(response);
        page.DocumentElement.GetAttribute("lang").ShouldBe("de");
        page.Body!.TextContent.ShouldContain("Keine Teilnahme hat diesen Widerrufscode.");
    }

    /// <summary>
    /// Every participant text of the code (the <c>Text["…"]</c> keys of the participant pages and
    /// slices, their validation messages and display names, the question page's texts) has a German
    /// entry in ParticipantText.de.resx: a string added without its translation fails here.
    /// </summary>
    [Fact]
    public void EveryParticipantText_HasAGermanTranslation()
    {
        var web = Path.Combine(RepositoryRoot(), "src", "SquadStudy.Web");
        var files = new[] { "Pages/Participate", "Slices", "Participation" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(web, folder), "*.cs*"));
        var keys = new HashSet<string>(StringComparer.Ordinal) { QuestionEndpoint.UnknownStudyMessage };
        foreach (var file in files)
        {
            var source = File.ReadAllText(file);
            foreach (Match match in LocalisedLiteral().Matches(source))
            {
                keys.Add(Regex.Unescape(match.Groups["key"].Value));
            }
        }
        keys.UnionWith(Questions.PlatformTexts);
        keys.Count.ShouldBeGreaterThan(80);

        var text = Factory.Services.GetRequiredService<IStringLocalizer<ParticipantText>>();
        var previous = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("de");
            var missing = keys.Where(k => text[k].ResourceNotFound || string.IsNullOrWhiteSpace(text[k].Value)).ToList();
            missing.ShouldBeEmpty("these participant texts have no German translation in ParticipantText.de.resx");
            // Placeholders survive the translation.
            foreach (var key in keys.Where(k => k.Contains('{')))
            {
                Placeholder().Matches(text[key].Value).Select(m => m.Value).Order().ShouldBe(Placeholder().Matches(key).Select(m => m.Value).Order(), key);
            }
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    /// <summary><c>Text["…"]</c>, <c>text["…"]</c>, <c>ErrorMessage = "…"</c>, <c>[Display(Name = "…")]</c>.</summary>
    [GeneratedRegex(@"(?:\b[Tt]ext\[\s*|ErrorMessage\s*=\s*|Display\(Name\s*=\s*)""(?<key>(?:[^""\\]|\\.)*)""")]
    private static partial Regex LocalisedLiteral();

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Placeholder();

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SquadStudy.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("SquadStudy.sln not found above " + AppContext.BaseDirectory);
    }
}
