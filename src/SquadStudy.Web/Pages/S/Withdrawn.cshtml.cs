using Microsoft.AspNetCore.Mvc.RazorPages;

namespace SquadStudy.Web.Pages.S;

public sealed class WithdrawnModel : PageModel
{
    public void OnGet()
    {
    }
}
