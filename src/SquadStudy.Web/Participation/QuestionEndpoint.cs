using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.Extensions.Localization;
using SquadStudy.Data.Entities;
using SquadStudy.Web.Slices;

namespace SquadStudy.Web.Participation;

/// <summary>
/// <c>/s/{slug}/q</c>: the participant's current question. The server holds the position: a GET
/// shows the current item; a POST for any other position records nothing and redirects here.
/// </summary>
/// <remarks>
/// Every participant loads this page and posts its form once per answer, so it runs as two plain
/// endpoints rendering Razor Slices (the RazorSlices package: Razor markup written straight to the
/// response, without MVC) instead of a Razor Page: MVC's page invocation, model binding and view
/// engine took 0.3–0.45 ms of the site's CPU per answer (docs/participants.md). It behaves as the
/// other participant pages do: antiforgery validated on every POST (400 when missing or foreign),
/// post/redirect/get, the participant from their study-scoped cookie, the same participant
/// document (<see cref="ParticipantDocument"/>, which the Razor Pages' layout renders too).
/// </remarks>
public static class QuestionEndpoint
{
    public const string UnknownStudyMessage = "There is no study at this address. Please check the link your recruiter gave you.";

    public static IEndpointRouteBuilder MapQuestionPage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/s/{slug}/q", (RequestDelegate)ShowAsync).AllowAnonymous();
        app.MapPost("/s/{slug}/q", (RequestDelegate)PostAsync).AllowAnonymous();
        return app;
    }

    private static async Task ShowAsync(HttpContext context)
    {
        if (await LoadAsync(context) is not { } loaded)
        {
            return;
        }
        var (study, participant, item) = loaded;
        if (ParticipantStatus.IsEnded(participant.Status) || ParticipantUrls.IsFinished(participant))
        {
            context.Response.Redirect(ParticipantUrls.Continue(context.Request, study.Slug, participant));
            return;
        }
        if (study.NeedsGate(participant))
        {
            context.Response.Redirect(ParticipantUrls.Gate(context.Request, study.Slug));
            return;
        }
        if (participant.Status == ParticipantStatus.Abandoned)
        {
            var tokens = Antiforgery(context).GetAndStoreTokens(context);
            await RenderAsync(context, study, document => new QuestionPageModel(document, Resume: new ResumeChoice(
                ParticipantUrls.Question(context.Request, study.Slug) + "?handler=Resume", ParticipantUrls.Withdraw(context.Request, study.Slug), tokens)));
            return;
        }
        var current = item ?? throw new InvalidOperationException($"Participant {participant.Id} has no plan item at position {participant.CurrentPosition}.");
        // Nothing is written on a GET: the time it was shown travels, signed, in the form.
        var view = await Service(context).BuildViewAsync(study, current, participant.PlanLength, context.RequestAborted);
        await RenderFormAsync(context, study, view, error: null, Stamps(context).Issue(participant.Id, current.Id));
    }

    private static async Task PostAsync(HttpContext context)
    {
        // As Razor Pages do, before anything else: a POST that is not this site's own, or lacks this session's token, changes nothing.
        if (!await Antiforgery(context).IsRequestValidAsync(context))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        var handler = context.Request.Query["handler"].ToString();
        if (handler.Length > 0 && !handler.Equals("Resume", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        if (await LoadAsync(context) is not { } loaded)
        {
            return;
        }
        var (study, participant, item) = loaded;
        if (handler.Length > 0)
        {
            await Service(context).ResumeAsync(participant, context.RequestAborted);
            context.Response.Redirect(ParticipantUrls.Question(context.Request, study.Slug));
            return;
        }
        if (study.NeedsGate(participant))
        {
            // The gate comes first: an answer posted before it is passed is not stored.
            context.Response.Redirect(ParticipantUrls.Gate(context.Request, study.Slug));
            return;
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (participant.Status != ParticipantStatus.Active
            || !int.TryParse(form["Position"], NumberStyles.None, CultureInfo.InvariantCulture, out var position)
            || position != participant.CurrentPosition)
        {
            // Stale, repeated, back-button or malformed POST: the position it answers is not the current one.
            context.Response.Redirect(ParticipantUrls.Continue(context.Request, study.Slug, participant));
            return;
        }
        // Position equals the current position here, so the current item is the one answered.
        var current = item ?? throw new InvalidOperationException($"Participant {participant.Id} has no plan item at position {position}.");
        var service = Service(context);
        var stamp = form[ShownStamps.FieldName].ToString();
        if (Stamps(context).Verify(stamp, participant.Id, current.Id) is not DateTime shown)
        {
            // No genuine stamp of this question's page: a tampered or hand-made form. Nothing is
            // stored; the question is shown again, with a stamp of its own.
            var again = await service.BuildViewAsync(study, current, participant.PlanLength, context.RequestAborted);
            await RenderFormAsync(context, study, again, Text(context)["This page was out of date. Please answer the question again."],
                Stamps(context).Issue(participant.Id, current.Id), StatusCodes.Status400BadRequest);
            return;
        }
        var answer = Questions.Evaluate(current, form["Choice"].ToString());
        if (answer is null)
        {
            var view = await service.BuildViewAsync(study, current, participant.PlanLength, context.RequestAborted);
            // The same stamp: the question has been on screen since then.
            await RenderFormAsync(context, study, view, Text(context)["Please choose one of the options before going on."], stamp);
            return;
        }
        var confidence = Questions.ReadConfidence(Questions.ConfidenceOf(study.Definition, current), form["Confidence"].ToString(), out var level);
        if (confidence != ConfidenceOutcome.Valid)
        {
            // Missing: asked again, with the choice to be made again too (nothing is stored half).
            // Invalid: a level the scale does not have, or one where none is asked, is a hand-made form.
            var view = await service.BuildViewAsync(study, current, participant.PlanLength, context.RequestAborted);
            await RenderFormAsync(context, study, view, Text(context)["Please say how confident you are before going on."], stamp,
                confidence == ConfidenceOutcome.Missing ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
            return;
        }
        await service.RecordAnswerAsync(participant, current, answer with { Confidence = level }, shown, QualitySignals.Read(form), context.RequestAborted);
        context.Response.Redirect(position + 1 >= participant.PlanLength
            ? ParticipantUrls.Done(context.Request, study.Slug)
            : ParticipantUrls.Question(context.Request, study.Slug));
    }

    /// <summary>
    /// The study from the URL and the participant from their cookie; null once it has answered
    /// instead: 404 for an unknown study, the study's link for a request without a participant
    /// (which resumes or enrols).
    /// </summary>
    private static async Task<(StudyInfo Study, ParticipantState Participant, PlanItemView? Current)?> LoadAsync(HttpContext context)
    {
        var slug = (string)context.Request.RouteValues["slug"]!;
        var service = Service(context);
        var study = await service.FindStudyAsync(slug);
        if (study is null)
        {
            await RenderAsync(context, null, document => new QuestionPageModel(document, Message: document.Text[UnknownStudyMessage]), StatusCodes.Status404NotFound);
            return null;
        }
        var found = await service.FindParticipantAsync(study.Id, ParticipantCookie.Read(context.Request, slug), context.RequestAborted);
        if (found is not { } f)
        {
            context.Response.Redirect(ParticipantUrls.Landing(context.Request, study.Slug));
            return null;
        }
        context.Items[typeof(ParticipantCodes)] = ParticipantCodes.Of(f.Participant);
        context.Items[nameof(ParticipantUrls.ReturnLink)] = ParticipantUrls.ReturnLink(context.Request, study.Slug, f.Participant);
        return (study, f.Participant, f.Current);
    }

    private static Task RenderFormAsync(HttpContext context, StudyInfo study, QuestionView view, string? error, string shownStamp, int status = StatusCodes.Status200OK)
    {
        var tokens = Antiforgery(context).GetAndStoreTokens(context);
        return RenderAsync(context, study, document => new QuestionPageModel(document,
            Form: new QuestionFormModel(view, error, ParticipantUrls.Question(context.Request, study.Slug), tokens, document.Urls.QuestionJs, document.Text, shownStamp)
            {
                QualityScriptUrl = document.Urls.QualityJs,
            }), status);
    }

    private static async Task RenderAsync(HttpContext context, StudyInfo? study, Func<ParticipantDocumentModel, QuestionPageModel> page, int status = StatusCodes.Status200OK)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        var document = new ParticipantDocumentModel(study?.Title,
            study is null ? ParticipantUrls.WithdrawByCode(context.Request) : ParticipantUrls.Withdraw(context.Request, study.Slug), SiteUrls.For(context),
            Text(context), Codes: context.Items[typeof(ParticipantCodes)] as ParticipantCodes)
        {
            ReturnHref = context.Items[nameof(ParticipantUrls.ReturnLink)] as string,
        };
        // Written straight into the response's pipe, then flushed once.
        await QuestionPage.Create(page(document)).RenderAsync(response.BodyWriter, context.RequestServices.GetService<HtmlEncoder>(), context.RequestAborted);
        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static ParticipationService Service(HttpContext context) => context.RequestServices.GetRequiredService<ParticipationService>();

    private static IStringLocalizer<ParticipantText> Text(HttpContext context) => context.RequestServices.GetRequiredService<IStringLocalizer<ParticipantText>>();

    private static ShownStamps Stamps(HttpContext context) => context.RequestServices.GetRequiredService<ShownStamps>();

    private static ParticipantAntiforgery Antiforgery(HttpContext context) => context.RequestServices.GetRequiredService<ParticipantAntiforgery>();
}
