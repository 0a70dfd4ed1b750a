# Generated with Microsoft365DSC version 1.24.1016.1
# For additional information on how to use Microsoft365DSC, please visit https://aka.ms/M365DSC
#
# mailflow test fixture, written by hand in the shape Export-M365DSCConfiguration writes: one
# Configuration, one Node, one block per object with its properties aligned and ended by `;`,
# empty lists as @(), booleans as $True/$False, the sign-in properties read from
# $ConfigurationData and the tenant's name as $OrganizationName. The property names are those
# of Microsoft365DSC's resources MSFT_EXOTransportRule, MSFT_EXOOutboundConnector and
# MSFT_EXOAcceptedDomain (their schema.mof files in microsoft/Microsoft365DSC). It also holds
# what older or hand-edited exports do: a rule without Enabled, a priority written as a string,
# an object marked Absent, backtick escapes and typographic quotes.
param (
)

Configuration M365TenantConfig
{
    param (
    )

    $OrganizationName = $ConfigurationData.NonNodeData.OrganizationName

    Import-DscResource -ModuleName 'Microsoft365DSC' -ModuleVersion '1.24.1016.1'

    Node localhost
    {
        EXOAcceptedDomain "EXOAcceptedDomain-contoso.com"
        {
            ApplicationId         = $ConfigurationData.NonNodeData.ApplicationId;
            CertificateThumbprint = $ConfigurationData.NonNodeData.CertificateThumbprint;
            DomainType            = "Authoritative";
            Ensure                = "Present";
            Identity              = "contoso.com";
            MatchSubDomains       = $False;
            OutboundOnly          = $False;
            TenantId              = $OrganizationName;
        }
        EXOAcceptedDomain "EXOAcceptedDomain-contoso.onmicrosoft.com"
        {
            ApplicationId         = $ConfigurationData.NonNodeData.ApplicationId;
            CertificateThumbprint = $ConfigurationData.NonNodeData.CertificateThumbprint;
            DomainType            = "Authoritative";
            Ensure                = "Present";
            Identity              = "contoso.onmicrosoft.com";
            MatchSubDomains       = $False;
            OutboundOnly          = $False;
            TenantId              = $OrganizationName;
        }
        EXOAntiPhishPolicy "EXOAntiPhishPolicy-Office365 AntiPhish Default"
        {
            ApplicationId          = $ConfigurationData.NonNodeData.ApplicationId;
            CertificateThumbprint  = $ConfigurationData.NonNodeData.CertificateThumbprint;
            Enabled                = $True;
            Ensure                 = "Present";
            Identity               = "Office365 AntiPhish Default";
            PhishThresholdLevel    = 1;
            TargetedUsersToProtect = @();
            TenantId               = $OrganizationName;
        }
        EXOOutboundConnector "EXOOutboundConnector-CodeTwo Email Signatures 365 connector"
        {
            AllAcceptedDomains            = $False;
            ApplicationId                 = $ConfigurationData.NonNodeData.ApplicationId;
            CertificateThumbprint         = $ConfigurationData.NonNodeData.CertificateThumbprint;
            CloudServicesMailEnabled      = $False;
            Comment                       = "";
            ConnectorSource               = "Default";
            ConnectorType                 = "OnPremises";
            Enabled                       = $True;
            Ensure                        = "Present";
            Identity                      = "CodeTwo Email Signatures 365 connector";
            IsTransportRuleScoped         = $True;
            RecipientDomains              = @();
            RouteAllMessagesViaOnPremises = $False;
            SmartHosts                    = @("7f3a9c2e1b.smtp.codetwo.online");
            TenantId                      = $OrganizationName;
            TestMode                      = $False;
            TlsDomain                     = "";
            TlsSettings                   = "";
            UseMxRecord                   = $False;
            ValidationRecipients          = @();
        }
        EXOOutboundConnector "EXOOutboundConnector-Mimecast Outbound Connector"
        {
            AllAcceptedDomains            = $False;
            ApplicationId                 = $ConfigurationData.NonNodeData.ApplicationId;
            CertificateThumbprint         = $ConfigurationData.NonNodeData.CertificateThumbprint;
            CloudServicesMailEnabled      = $False;
            Comment                       = "Was `"Only when email messages are sent to these domains`" until CHG-2291";
            ConnectorSource               = "Default";
            ConnectorType                 = "Partner";
            Enabled                       = $True;
            Ensure                        = "Present";
            Identity                      = "Mimecast Outbound Connector";
            IsTransportRuleScoped         = $True;
            RecipientDomains              = @();
            RouteAllMessagesViaOnPremises = $False;
            SmartHosts                    = @("eu-smtp-o365-outbound-1.mimecast.com");
            TenantId                      = $OrganizationName;
            TestMode                      = $False;
            TlsDomain                     = "*.mimecast.com";
            TlsSettings                   = "DomainValidation";
            UseMxRecord                   = $False;
            ValidationRecipients          = @("postmaster@$OrganizationName");
        }
        EXOTransportRule "EXOTransportRule-CodeTwo Exchange transport rule"
        {
            AddToRecipients                     = @();
            AnyOfCcHeader                       = @();
            ApplicationId                       = $ConfigurationData.NonNodeData.ApplicationId;
            AttachmentHasExecutableContent      = $False;
            BlindCopyTo                         = @();
            CertificateThumbprint               = $ConfigurationData.NonNodeData.CertificateThumbprint;
            Comments                            = "Created by CodeTwo Email Signatures 365 for $OrganizationName. Routes messages to the CodeTwo service.";
            DeleteMessage                       = $False;
            Enabled                             = $True;
            Ensure                              = "Present";
            ExceptIfHeaderContainsMessageHeader = "X-CodeTwoProcessed";
            ExceptIfHeaderContainsWords         = @("true");
            ExceptIfSenderDomainIs              = @();
            From                                = @();
            FromScope                           = "InOrganization";
            HasNoClassification                 = $False;
            HeaderContainsWords                 = @();
            Mode                                = "Enforce";
            Name                                = "CodeTwo Exchange transport rule";
            Priority                            = 0;
            RouteMessageOutboundConnector       = "CodeTwo Email Signatures 365 connector";
            RouteMessageOutboundRequireTls      = $False;
            RuleErrorAction                     = "Ignore";
            RuleSubType                         = "None";
            SenderAddressLocation               = "Header";
            SenderDomainIs                      = @();
            StopRuleProcessing                  = $True;
            TenantId                            = $OrganizationName;
        }
        EXOTransportRule "EXOTransportRule-Mimecast outbound"
        {
            ApplicationId                       = $ConfigurationData.NonNodeData.ApplicationId;
            CertificateThumbprint               = $ConfigurationData.NonNodeData.CertificateThumbprint;
            Ensure                              = "Present";
            ExceptIfHeaderContainsMessageHeader = 'X-AntiLoop-Smarthost';
            ExceptIfHeaderContainsWords         = @('true');
            FromScope                           = "InOrganization";
            Mode                                = "Enforce";
            Name                                = "Mimecast outbound";
            Priority                            = "1";
            RouteMessageOutboundConnector       = "Mimecast Outbound Connector";
            RuleErrorAction                     = "Defer";
            SentToScope                         = "NotInOrganization";
            SetHeaderName                       = “X-AntiLoop-Smarthost”;
            SetHeaderValue                      = ‘true’;
            StopRuleProcessing                  = $False;
            TenantId                            = $OrganizationName;
        }
        EXOTransportRule "EXOTransportRule-Tag external senders"
        {
            ApplicationId                       = $ConfigurationData.NonNodeData.ApplicationId;
            CertificateThumbprint               = $ConfigurationData.NonNodeData.CertificateThumbprint;
            Comments                            = "Marks mail from outside; it costs `$0 and ``just works``.";
            Enabled                             = $False;
            Ensure                              = "Present";
            FromScope                           = "NotInOrganization";
            Mode                                = "Audit";
            Name                                = 'Tag external senders';
            PrependSubject                      = "[EXTERNAL] ";
            Priority                            = 2;
            SentToScope                         = "InOrganization";
            SetSCL                              = "-1";
            StopRuleProcessing                  = $False;
            TenantId                            = $OrganizationName;
        }
        EXOTransportRule "EXOTransportRule-Old Exclaimer rule"
        {
            ApplicationId         = $ConfigurationData.NonNodeData.ApplicationId;
            CertificateThumbprint = $ConfigurationData.NonNodeData.CertificateThumbprint;
            Ensure                = "Absent";
            Name                  = "Old Exclaimer rule";
            TenantId              = $OrganizationName;
        }
    }
}

M365TenantConfig -ConfigurationData .\ConfigurationData.psd1
