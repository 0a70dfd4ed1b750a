# mailflow test fixture, written by hand in the shape Export-M365DSCConfiguration writes
# (property names from microsoft/Microsoft365DSC's MSFT_EXOOutboundConnector and
# MSFT_EXOTransportRule), with values that only exist when PowerShell runs it: a smart host
# read from $ConfigurationData, and the tenant's name with no accepted domain to learn it from.
Configuration M365TenantConfig
{
    $OrganizationName = $ConfigurationData.NonNodeData.OrganizationName

    Import-DscResource -ModuleName 'Microsoft365DSC'

    Node localhost
    {
        EXOOutboundConnector "EXOOutboundConnector-Relay"
        {
            Identity              = "Relay";
            IsTransportRuleScoped = $True;
            SmartHosts            = @($ConfigurationData.NonNodeData.RelayHost);
            UseMxRecord           = $False;
            Ensure                = "Present";
            Credential            = $Credscredential;
        }
        EXOTransportRule "EXOTransportRule-Relay"
        {
            Name                          = "Relay";
            SenderDomainIs                = @("$OrganizationName");
            RouteMessageOutboundConnector = "Relay";
            Ensure                        = "Present";
            Credential                    = $Credscredential;
        }
    }
}
