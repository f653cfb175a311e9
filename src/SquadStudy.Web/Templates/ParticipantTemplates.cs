using AspNetCoreGeneratedDocument;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Html;

namespace SquadStudy.Web.Templates;

/// <summary>The content of <c>/s/{slug}/q</c>: a message, a question form, or the "welcome back" choice after abandonment (the first that is set).</summary>
public sealed record QuestionPage(string? Message = null, QuestionForm? Form = null, ResumeChoice? Resume = null);

/// <summary>The "welcome back" choice of a participant whose plan was released while away: continue (a POST to <paramref name="Action"/>) or withdraw.</summary>
public sealed record ResumeChoice(string Action, string WithdrawHref, AntiforgeryTokenSet Antiforgery);

/// <summary>The templates of this folder by their models (the Razor SDK names their classes after their paths).</summary>
public static class ParticipantTemplates
{
    public static IHtmlContent Document(ParticipantDocument model) => new Templates_ParticipantDocument { Model = model };

    public static IHtmlContent QuestionPage(QuestionPage model) => new Templates_QuestionPage { Model = model };

    public static IHtmlContent QuestionForm(QuestionForm model) => new Templates_QuestionForm { Model = model };
}
