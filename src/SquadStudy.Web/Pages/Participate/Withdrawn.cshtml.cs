using Microsoft.AspNetCore.Mvc.RazorPages;

namespace SquadStudy.Web.Pages.Participate;

public sealed class WithdrawnModel : PageModel
{
    public void OnGet()
    {
    }
}
