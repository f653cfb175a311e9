using System.Globalization;
using Microsoft.AspNetCore.Html;
using Microsoft.Extensions.Localization;
using SquadStudy.Web.Participation;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace SquadStudy.Web.Slices;

/// <summary>
/// The model of <c>ParticipantDocument.cshtml</c>, the page around everything a participant sees:
/// the Razor Pages' participant layout renders it with their body, the question page uses it as
/// its layout (<see cref="QuestionPage"/>).
/// </summary>
/// <param name="Title">The study's title (or the page's), before " · SquadStudy".</param>
/// <param name="WithdrawHref">The withdrawal link in the footer of every participant page.</param>
/// <param name="Body">A Razor Page's own content, or null when a slice using this layout supplies it.</param>
/// <param name="Scripts">Scripts after the site's own, or null.</param>
/// <param name="Text">The participant texts in the request's language (<see cref="ParticipantText"/>).</param>
/// <param name="Codes">The participant's resume and withdrawal codes for the footer, once they have a session.</param>
public sealed record ParticipantDocumentModel(string? Title, string WithdrawHref, SiteUrls Urls, IStringLocalizer Text, IHtmlContent? Body = null, IHtmlContent? Scripts = null, ParticipantCodes? Codes = null)
{
    /// <summary>The page's language, the html <c>lang</c> attribute: the request's (LocalisationExtensions).</summary>
    public string Language { get; init; } = CultureInfo.CurrentUICulture.Name;

    /// <summary>"Return this study" (answers kept, no payment), shown in the footer while the participant can still go on.</summary>
    public string? ReturnHref { get; init; }
}

/// <summary>
/// Shown on every page of a session: the resume code (another device needs it to continue a
/// recruiter id's session) and the withdrawal code (so stopping early still lets one withdraw later).
/// </summary>
public sealed record ParticipantCodes(string Resume, string Withdrawal)
{
    public static ParticipantCodes Of(SquadStudy.Data.Participants.ParticipantState participant) =>
        new(Participation.Secrets.ResumeCode(participant.Token) is var r ? $"{r[..5]}-{r[5..]}" : "", Participation.Secrets.FormatWithdrawalCode(participant.WithdrawalCode));
}

/// <summary>The home page, and the stylesheets and scripts with the file-version query MVC's <c>asp-append-version</c> adds.</summary>
public sealed record SiteUrls(string Home, string BootstrapCss, string SiteCss, string BootstrapJs, string QuestionJs)
{
    /// <summary>The question page's quality signals script (wwwroot/js/quality.js).</summary>
    public string QualityJs { get; init; } = "";

    public static SiteUrls For(HttpContext context)
    {
        var versions = context.RequestServices.GetRequiredService<IFileVersionProvider>();
        var pathBase = context.Request.PathBase;
        // As the link and script tag helpers do: the path includes the base; the provider finds the file without it.
        string Versioned(string path) => versions.AddFileVersionToPath(pathBase, pathBase + path);
        return new SiteUrls(pathBase + "/", Versioned("/lib/bootstrap/bootstrap.min.css"), Versioned("/css/site.css"), Versioned("/lib/bootstrap/bootstrap.bundle.min.js"),
            Versioned("/js/question.js"))
        {
            QualityJs = Versioned("/js/quality.js"),
        };
    }
}
