import FulcrumCLI
import Foundation

exit(FulcrumMain.run())
