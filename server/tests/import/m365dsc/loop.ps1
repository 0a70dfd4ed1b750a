# mailflow test fixture, written by hand: a Microsoft365DSC configuration whose rules are made
# in a loop, as people write them rather than as Export-M365DSCConfiguration does (property
# names from microsoft/Microsoft365DSC's MSFT_EXOTransportRule). Which rules it declares is
# known only by running it: mailflow must refuse it.
Configuration FooterRules
{
    param (
        [Parameter()]
        [System.Management.Automation.PSCredential]
        $Credscredential
    )

    Import-DscResource -ModuleName 'Microsoft365DSC'

    $Footers = @('Sales', 'Support')

    Node localhost
    {
        foreach ($Footer in $Footers)
        {
            EXOTransportRule "EXOTransportRule-Footer $Footer"
            {
                Name       = "Footer $Footer";
                FromScope  = "InOrganization";
                Ensure     = "Present";
                Credential = $Credscredential;
            }
        }
    }
}
