using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SquadStudy.Web.Research;

namespace SquadStudy.Web.Pages.Research;

public sealed class LoginModel(ResearcherSignIn signIn) : PageModel
{
    /// <summary>One message for an unknown e-mail, a wrong password and a locked account alike.</summary>
    public const string FailureMessage = "Sign-in failed: the e-mail or password is wrong, or the account is locked for a while after repeated failures.";

    [BindProperty]
    public InputModel Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public sealed class InputModel
    {
        [Required, EmailAddress, Display(Name = "E-mail")]
        public string Email { get; set; } = "";

        [Required, DataType(DataType.Password), Display(Name = "Password"), StringLength(ResearcherSignIn.MaxPasswordLength)]
        public string Password { get; set; } = "";
    }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var result = await signIn.SignInAsync(Input.Email, Input.Password, cancellationToken);
        if (!result.Succeeded)
        {
            ModelState.AddModelError(string.Empty, FailureMessage);
            return Page();
        }
        await HttpContext.SignInAsync(result.Principal!);
        // Only local return URLs: an open redirect would let a phishing link bounce through the login.
        return Url.IsLocalUrl(ReturnUrl) ? LocalRedirect(ReturnUrl) : RedirectToPage("/Research/Index");
    }
}
